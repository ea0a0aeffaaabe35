DROP TRIGGER jobs_announce ON jobs;
DROP FUNCTION soulspot_announce_job();
