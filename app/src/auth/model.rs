use crate::domain::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The signed-in user, as the UI needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub organization_id: Uuid,
    pub organization_name: String,
}
