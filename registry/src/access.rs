//! Who may see and change a template. Seeing is decided in SQL
//! (`db::VISIBLE`, so that lists filter in the database); this module holds
//! the access levels and the rule for changes.

use serde::{Deserialize, Serialize};

/// A template's access level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Only its owner.
    Private,
    /// Members of its group.
    Group,
    /// Every signed-in user.
    Public,
}

impl Access {
    pub fn parse(text: &str) -> Option<Access> {
        match text {
            "private" => Some(Access::Private),
            "group" => Some(Access::Group),
            "public" => Some(Access::Public),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Access::Private => "private",
            Access::Group => "group",
            Access::Public => "public",
        }
    }
}

/// The authenticated user making a request, with their groups.
#[derive(Debug, Clone, Serialize)]
pub struct Caller {
    pub name: String,
    pub groups: Vec<Membership>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Membership {
    pub group: String,
    pub admin: bool,
}

impl Caller {
    pub fn is_member(&self, group: &str) -> bool {
        self.groups.iter().any(|m| m.group == group)
    }

    /// The rule `db::VISIBLE` applies in SQL, for a template already loaded.
    pub fn may_see(&self, owner: &str, group: &str, access: Access) -> bool {
        match access {
            Access::Public => true,
            Access::Group => self.is_member(group),
            Access::Private => owner == self.name,
        }
    }

    /// Only the owner, or an admin of the template's group, may publish
    /// versions, change access or yank.
    pub fn may_manage(&self, owner: &str, group: &str) -> bool {
        owner == self.name || self.groups.iter().any(|m| m.group == group && m.admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(groups: &[(&str, bool)]) -> Caller {
        Caller {
            name: "bob".into(),
            groups: groups
                .iter()
                .map(|(g, admin)| Membership {
                    group: g.to_string(),
                    admin: *admin,
                })
                .collect(),
        }
    }

    #[test]
    fn owner_or_group_admin_manages() {
        assert!(caller(&[]).may_manage("bob", "platform"));
        assert!(!caller(&[("platform", false)]).may_manage("alice", "platform"));
        assert!(caller(&[("platform", true)]).may_manage("alice", "platform"));
        assert!(!caller(&[("mobile", true)]).may_manage("alice", "platform"));
    }

    #[test]
    fn levels_round_trip() {
        for level in [Access::Private, Access::Group, Access::Public] {
            assert_eq!(Access::parse(level.as_str()), Some(level));
        }
        assert_eq!(Access::parse("everyone"), None);
    }
}
