//! Readiness: whether this process can serve requests, dependency by dependency.

use serde::Serialize;
use soulspot_domain::ports::DatabaseProbe;

/// One dependency's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DependencyCheck {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

/// The verdict over all dependencies: ready only when every check is ok.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Readiness {
    pub ready: bool,
    pub checks: Vec<DependencyCheck>,
}

/// Answers readiness probes. Generic over the database probe so tests can stand a fake behind it.
#[derive(Debug, Clone)]
pub struct ReadinessService<P> {
    database: P,
}

impl<P: DatabaseProbe> ReadinessService<P> {
    pub fn new(database: P) -> Self {
        Self { database }
    }

    /// Checks that the database answers and that its schema has every migration this binary
    /// carries.
    pub async fn check(&self) -> Readiness {
        let database = match self.database.database_status().await {
            Ok(status) if status.pending_migrations.is_empty() => DependencyCheck {
                name: "database",
                ok: true,
                detail: format!("{} reachable, schema current", status.backend),
            },
            Ok(status) => DependencyCheck {
                name: "database",
                ok: false,
                detail: format!(
                    "{} reachable, but {} migration(s) pending: {}",
                    status.backend,
                    status.pending_migrations.len(),
                    status.pending_migrations.join(", ")
                ),
            },
            Err(error) => {
                tracing::warn!(error = %error, "readiness: database check failed");
                DependencyCheck {
                    name: "database",
                    ok: false,
                    detail: format!("unreachable: {error}"),
                }
            }
        };
        let checks = vec![database];
        Readiness {
            ready: checks.iter().all(|check| check.ok),
            checks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use soulspot_domain::RepositoryError;
    use soulspot_domain::ports::DatabaseStatus;

    /// A probe whose answer the test chooses.
    struct FixedProbe(Result<Vec<String>, &'static str>);

    impl DatabaseProbe for FixedProbe {
        async fn database_status(&self) -> Result<DatabaseStatus, RepositoryError> {
            match &self.0 {
                Ok(pending) => Ok(DatabaseStatus {
                    backend: "fake",
                    pending_migrations: pending.clone(),
                }),
                Err(reason) => Err(RepositoryError::Unavailable((*reason).into())),
            }
        }
    }

    #[tokio::test]
    async fn ready_only_with_current_schema() {
        let ready = ReadinessService::new(FixedProbe(Ok(vec![]))).check().await;
        assert!(ready.ready);
        let stale = ReadinessService::new(FixedProbe(Ok(vec!["2026_initial".into()])))
            .check()
            .await;
        assert!(!stale.ready);
        assert!(stale.checks[0].detail.contains("2026_initial"));
        let down = ReadinessService::new(FixedProbe(Err("refused")))
            .check()
            .await;
        assert!(!down.ready);
        assert!(down.checks[0].detail.contains("unreachable"));
    }
}
