//! Quality profiles: which files a download may pick. At most one is active.

use soulspot_domain::ports::QualityProfileRepository;
use soulspot_domain::{QualityProfile, QualityProfileId, QualityRules};

use crate::error::{Invalid, ServiceResult};

#[derive(Debug, Clone)]
pub struct QualityProfileService<S> {
    store: S,
}

fn validated(rules: QualityRules) -> Result<QualityRules, Invalid> {
    rules
        .validate()
        .map_err(|error| Invalid::new("", error.to_string()))
}

impl<S: QualityProfileRepository> QualityProfileService<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub async fn profiles(&self) -> ServiceResult<Vec<QualityProfile>> {
        Ok(self.store.list_profiles().await?)
    }

    pub async fn profile(&self, id: QualityProfileId) -> ServiceResult<QualityProfile> {
        Ok(self.store.profile(id).await?)
    }

    /// `Conflict` when the name is taken.
    pub async fn create(&self, rules: QualityRules) -> ServiceResult<QualityProfile> {
        Ok(self.store.create_profile(validated(rules)?).await?)
    }

    pub async fn update(
        &self,
        id: QualityProfileId,
        rules: QualityRules,
    ) -> ServiceResult<QualityProfile> {
        Ok(self.store.update_profile(id, validated(rules)?).await?)
    }

    /// `Conflict` when the profile is the active one: activate another first.
    pub async fn delete(&self, id: QualityProfileId) -> ServiceResult<()> {
        Ok(self.store.delete_profile(id).await?)
    }

    pub async fn activate(&self, id: QualityProfileId) -> ServiceResult<QualityProfile> {
        Ok(self.store.activate_profile(id).await?)
    }
}
