-- Job notices across processes: every insert of a job, and every update that sets its state or
-- progress, runs pg_notify('soulspot_jobs', <notice JSON>) inside the writing transaction;
-- PostgreSQL delivers it on commit (never for a rollback) to every listening process, which
-- forwards it to its idle workers and live-event streams. A trigger rather than a statement in
-- each repository method: no extra round trip, and no job write can forget it.
--
-- The payload is the application's `JobNotice` as JSON. A notification is limited to 8000
-- bytes, so the progress message is cut to 1000 characters (at most 6000 bytes once escaped).
-- A heartbeat that only extends the lease does not set these columns and announces nothing.
CREATE FUNCTION soulspot_announce_job() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('soulspot_jobs', json_build_object(
        'id', NEW.id,
        'kind', NEW.kind,
        'state', NEW.state,
        'progress', json_build_object(
            'done', NEW.progress_done,
            'total', NEW.progress_total,
            'message', left(NEW.progress_message, 1000)
        )
    )::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER jobs_announce
    AFTER INSERT OR UPDATE OF state, progress_done, progress_total, progress_message ON jobs
    FOR EACH ROW EXECUTE FUNCTION soulspot_announce_job();
