//! The seam a resource type is written against. A type states its schema
//! and how its API maps onto create, update, delete, describe and find
//! ([`Managed`]); [`Seam`] turns that into an [`AwsResource`] and does, the
//! same way for every type, what they all share:
//!
//! - **tagging**: tags diffed between prior and planned and written through
//!   the type's [`Tagging`] (one per service: EC2's `CreateTags`, the
//!   `AddTagsToResource` family, IAM's per-kind calls), after the type's own
//!   in-place changes; tags filled in by the tagging's list call for types
//!   whose describe does not return them; [`create_tags`] is the one place
//!   that says what a create is tagged with (the configured tags plus the
//!   [`INTENT_TAG`]);
//! - **not-found handling**: a describe that does not return a key means
//!   the object is gone; [`Gone`] turns "not found" answers into `None` or
//!   success in one word;
//! - **partial state**: an error after the create call keeps the object
//!   (`ProviderError::partial_state`), whatever step failed;
//! - **attributes the API does not echo** ([`Managed::kept`]): carried from
//!   the state being refreshed, or from the plan on create and update;
//! - **batched refresh**: every read, single or many, goes through
//!   [`Managed::describe_known`] (by default [`Managed::describe`]) with
//!   all the keys at once and what was known of each, so a type whose API
//!   lists many objects per call pays per page, not per object
//!   ([`one_or_all`], [`pages`]);
//! - **import** is a describe of the given id, and **find_created** a key
//!   found by the type (intent tag, or a user-chosen name checked with
//!   [`ours_by_name`]) and then described.

use std::collections::BTreeMap;
use std::future::Future;

use async_trait::async_trait;
use engine::provider::{
    plan_by_schema, ApplyRequest, PlanRequest, PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::values::{merge_missing, object, str_attr, string, string_map, string_map_attr};
use super::{attribute_text, made_by, user_tags, AwsError, AwsResource, Clients, INTENT_TAG};

/// What a create call made: the object's key (what [`Managed::describe`]
/// and [`Managed::delete`] take) and what else is known of it, for the
/// partial state kept when a later step of the create fails.
pub struct Made {
    pub key: String,
    pub known: Vec<(&'static str, Value)>,
}

impl Made {
    /// An object whose key is its `id`.
    pub fn id(key: impl Into<String>) -> Made {
        let key = key.into();
        Made {
            known: vec![("id", string(&key))],
            key,
        }
    }

    /// Adds a known attribute.
    pub fn with(mut self, name: &'static str, value: Value) -> Made {
        self.known.push((name, value));
        self
    }
}

/// How one service writes and lists the tags of its objects.
#[async_trait]
pub trait Tagging: Send + Sync {
    /// Sets `add` (new or changed values) and removes `remove` on the object
    /// `target` names (an id or an ARN, see [`Managed::tag_target`]).
    async fn update(
        &self,
        clients: &Clients,
        target: &str,
        add: &BTreeMap<String, String>,
        remove: &[String],
    ) -> Result<(), ProviderError>;

    /// Every tag of the object, [`INTENT_TAG`] included.
    async fn list(
        &self,
        clients: &Clients,
        target: &str,
    ) -> Result<BTreeMap<String, String>, ProviderError>;

    /// Every tag of each of `targets`, for a refresh of many objects: one
    /// [`Tagging::list`] per object unless the service can do better (see
    /// [`super::tagging_api`]).
    async fn list_many(
        &self,
        clients: &Clients,
        targets: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, ProviderError> {
        let mut out = BTreeMap::new();
        for target in targets {
            out.insert(target.clone(), self.list(clients, target).await?);
        }
        Ok(out)
    }
}

/// One resource type: its schema and its API mapping.
#[async_trait]
pub trait Managed: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// What one object is called in messages ("VPC", "DB subnet group").
    fn noun(&self) -> &'static str;

    /// Plans like [`plan_by_schema`] unless the type knows better.
    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        plan_by_schema(schema, request.prior, request.config)
    }

    /// See [`AwsResource::terraform_import_id`].
    fn terraform_import_id(&self, attributes: &serde_json::Value) -> Option<String> {
        attribute_text(attributes, "id")
    }

    /// The object's key in its API, read from a state value: its `id`
    /// unless the type says otherwise.
    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        str_attr(state, "id")
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ProviderError::new(format!("the {}'s state has no id", self.noun())))
    }

    /// How the type's tags are written; `None` for types without tags.
    fn tagging(&self) -> Option<&dyn Tagging> {
        None
    }

    /// The state attribute that names the object to its [`Tagging`]: its
    /// `id` for EC2, its `arn` for services that tag by ARN.
    fn tag_target(&self) -> &'static str {
        "id"
    }

    /// Arguments the API does not echo back: a refresh keeps the state's
    /// value, a create or update the planned one.
    fn kept(&self) -> &'static [&'static str] {
        &[]
    }

    /// Attributes a batched [`Managed::describe`] (a listing) does not
    /// return, though a single describe does: when a value leaves them out,
    /// a refresh carries them from the state being refreshed. Only for
    /// attributes that cannot change once the object exists (a hosted
    /// zone's name servers, a certificate's validation records).
    fn carried(&self) -> &'static [&'static str] {
        &[]
    }

    /// Reads, for one described object, what its describe leaves out and
    /// what is read only when `known` (the state being refreshed, or the
    /// plan) manages it: per-object calls a listing cannot make, paid only
    /// by the objects that need them (a role's exclusive inline policies).
    async fn complete(
        &self,
        _clients: &Clients,
        _key: &str,
        _value: &mut Value,
        _known: &Value,
    ) -> Result<(), ProviderError> {
        Ok(())
    }

    /// Sends the create call, idempotently: with a token the API honours,
    /// or through [`Clients::create`] with [`Managed::find_created`] as
    /// its lookup. Tags come from [`create_tags`].
    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError>;

    /// The steps of a create after its call (attributes the create call
    /// does not take, waits); a failure keeps the object, tainted.
    async fn after_create(
        &self,
        _clients: &Clients,
        _request: &ApplyRequest<'_>,
        _key: &str,
        _planned: &Value,
    ) -> Result<(), ProviderError> {
        Ok(())
    }

    /// The in-place changes other than tags, which the seam writes after.
    async fn update(
        &self,
        _clients: &Clients,
        _request: &ApplyRequest<'_>,
        _key: &str,
        _prior: &Value,
        _planned: &Value,
    ) -> Result<(), ProviderError> {
        Ok(())
    }

    /// The steps of an update after its tags are written (a wait for the
    /// object to settle: some services change an object's status when its
    /// tags change).
    async fn after_update(
        &self,
        _clients: &Clients,
        _request: &ApplyRequest<'_>,
        _key: &str,
        _planned: &Value,
    ) -> Result<(), ProviderError> {
        Ok(())
    }

    /// Deletes the object; one already gone is success ([`Gone`]).
    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        key: &str,
        prior: &Value,
    ) -> Result<(), ProviderError>;

    /// Reads the objects `keys` name, all at once: by their ids in one call,
    /// or by listing every object page by page ([`one_or_all`]). A key
    /// missing from the answer is an object that is gone. A value without
    /// `tags` gets them from the type's [`Tagging`].
    async fn describe(
        &self,
        clients: &Clients,
        keys: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError>;

    /// Reads like [`Managed::describe`], given what was known of each key
    /// before: the state being refreshed, the plan on a create or update
    /// (no entry on an import). For types whose API leaves out some of what
    /// their state holds in ways [`Managed::kept`] and [`Managed::carried`]
    /// cannot say (a value read from a member object when it exists, else
    /// the known one). Every read of the [`Seam`] comes through here.
    async fn describe_known(
        &self,
        clients: &Clients,
        keys: &[String],
        known: &BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let _ = known;
        self.describe(clients, keys).await
    }

    /// What only a per-object call returns (attributes a batched
    /// [`Managed::describe`] cannot give), read after a create, an update,
    /// an import or a find: set over the described and kept values.
    /// `known` is the plan, or null on an import. None by default.
    async fn read_single(
        &self,
        _clients: &Clients,
        _key: &str,
        _known: &Value,
    ) -> Result<Vec<(&'static str, Value)>, ProviderError> {
        Ok(Vec::new())
    }

    /// The key of the object a create with `operation_id` made, if any: by
    /// its intent tag, its token, or a user-chosen name in `planned` whose
    /// object carries our intent tag ([`ours_by_name`]).
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError>;
}

/// The tags a create sends: the configured `tags` plus the [`INTENT_TAG`]
/// carrying the operation id.
pub fn create_tags(planned: &Value, operation_id: &str) -> BTreeMap<String, String> {
    let mut tags = string_map_attr(planned, "tags");
    tags.insert(INTENT_TAG.to_string(), operation_id.to_string());
    tags
}

/// The tags to add (new or changed values) and the keys to remove.
pub fn tag_changes(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let add = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    (add, remove)
}

/// "Not found" answers, in one word: an object that is gone.
pub trait Gone<T> {
    /// `None` when the object is not there.
    fn or_gone(self) -> Result<Option<T>, ProviderError>;
    /// Success when the object is already gone (a delete).
    fn gone_ok(self) -> Result<(), ProviderError>;
}

impl<T> Gone<T> for Result<T, AwsError> {
    fn or_gone(self) -> Result<Option<T>, ProviderError> {
        match self {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn gone_ok(self) -> Result<(), ProviderError> {
        self.or_gone().map(|_| ())
    }
}

/// Follows a paginated listing: `page(token)` returns one page's items and
/// the next token. Calls grow with pages, not objects. A token seen before
/// would loop forever, so it ends the listing.
pub async fn pages<T, F, Fut, E>(mut page: F) -> Result<Vec<T>, E>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), E>>,
{
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    let mut seen = std::collections::BTreeSet::new();
    loop {
        let (page_items, next) = page(token.clone()).await?;
        items.extend(page_items);
        match next.filter(|t| !t.is_empty()) {
            Some(next) if seen.insert(next.clone()) => token = Some(next),
            _ => return Ok(items),
        }
    }
}

/// The batching policy of APIs that describe one object by name or list
/// them all: one key is asked for by itself; several cost one paged
/// listing of every object, whatever their number.
pub async fn one_or_all<O, OF, A, AF>(
    keys: &[String],
    one: O,
    all: A,
) -> Result<BTreeMap<String, Value>, ProviderError>
where
    O: Fn(String) -> OF,
    OF: Future<Output = Result<Option<Value>, ProviderError>>,
    A: FnOnce() -> AF,
    AF: Future<Output = Result<BTreeMap<String, Value>, ProviderError>>,
{
    match keys {
        [] => Ok(BTreeMap::new()),
        [key] => Ok(one(key.clone())
            .await?
            .map(|v| (key.clone(), v))
            .into_iter()
            .collect()),
        _ => {
            let mut all = all().await?;
            all.retain(|k, _| keys.contains(k));
            Ok(all)
        }
    }
}

/// Describes each key by itself, for APIs with no batch form.
pub async fn each<O, OF>(keys: &[String], one: O) -> Result<BTreeMap<String, Value>, ProviderError>
where
    O: Fn(String) -> OF,
    OF: Future<Output = Result<Option<Value>, ProviderError>>,
{
    let mut out = BTreeMap::new();
    for key in keys {
        if let Some(v) = one(key.clone()).await? {
            out.insert(key.clone(), v);
        }
    }
    Ok(out)
}

/// The key `key` if its object carries our intent tag for `operation_id`:
/// an object found by a user-chosen name without it is someone else's, and
/// is not adopted.
pub async fn ours_by_name<M: Managed + ?Sized>(
    managed: &M,
    clients: &Clients,
    key: Option<String>,
    operation_id: &str,
) -> Result<Option<String>, ProviderError> {
    let Some(key) = key else {
        return Ok(None);
    };
    let Some(state) = managed
        .describe(clients, std::slice::from_ref(&key))
        .await?
        .remove(&key)
    else {
        return Ok(None);
    };
    let Some(tagging) = managed.tagging() else {
        return Ok(None);
    };
    let Some(target) = str_attr(&state, managed.tag_target()) else {
        return Ok(None);
    };
    let tags = tagging.list(clients, &target).await?;
    Ok(made_by(&tags, operation_id).then_some(key))
}

/// Gives the values of `found` that have no `tags` the user's tags of the
/// object their `target` attribute names, all read by one `list_many` call
/// (none when every value has its tags); a value without a target gets no
/// tags.
pub async fn fill_tags<L, LF>(
    found: &mut BTreeMap<String, Value>,
    target: &str,
    list_many: L,
) -> Result<(), ProviderError>
where
    L: FnOnce(Vec<String>) -> LF,
    LF: Future<Output = Result<BTreeMap<String, BTreeMap<String, String>>, ProviderError>>,
{
    let untagged = |v: &Value| matches!(v, Value::Map(map) if !map.contains_key("tags"));
    let mut targets: Vec<String> = found
        .values()
        .filter(|v| untagged(v))
        .filter_map(|v| str_attr(v, target))
        .collect();
    targets.sort();
    targets.dedup();
    let listed = if targets.is_empty() {
        BTreeMap::new()
    } else {
        list_many(targets).await?
    };
    for value in found.values_mut() {
        let tags = str_attr(value, target)
            .and_then(|t| listed.get(&t).cloned())
            .map(user_tags)
            .unwrap_or_default();
        if let Value::Map(map) = value {
            map.entry("tags".to_string())
                .or_insert_with(|| string_map(tags));
        }
    }
    Ok(())
}

/// A [`Managed`] type as an [`AwsResource`].
pub struct Seam<M>(pub M);

impl<M: Managed> Seam<M> {
    /// Reads the objects `keys` name, with tags filled in; `known` is what
    /// was known of them (see [`Managed::describe_known`]).
    async fn fetch(
        &self,
        clients: &Clients,
        keys: &[String],
        known: &BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let mut found = self.0.describe_known(clients, keys, known).await?;
        if let Some(tagging) = self.0.tagging() {
            fill_tags(&mut found, self.0.tag_target(), |targets| async move {
                tagging.list_many(clients, &targets).await
            })
            .await?;
        }
        Ok(found)
    }

    /// One object, with the kept arguments taken from `known`.
    async fn fetch_one(
        &self,
        clients: &Clients,
        key: &str,
        known: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let key = key.to_string();
        let known_by_key = if known.is_null() {
            BTreeMap::new()
        } else {
            BTreeMap::from([(key.clone(), known.clone())])
        };
        let Some(described) = self
            .fetch(clients, std::slice::from_ref(&key), &known_by_key)
            .await?
            .remove(&key)
        else {
            return Ok(None);
        };
        let mut value = self.finish(clients, &key, described, known).await?;
        let read = self.0.read_single(clients, &key, known).await?;
        if let Value::Map(map) = &mut value {
            map.extend(read.into_iter().map(|(name, v)| (name.to_string(), v)));
        }
        Ok(Some(value))
    }

    /// A described object made whole: the kept arguments from `known`,
    /// then what [`Managed::complete`] reads.
    async fn finish(
        &self,
        clients: &Clients,
        key: &str,
        value: Value,
        known: &Value,
    ) -> Result<Value, ProviderError> {
        let mut value = self.keep(value, known);
        self.0.complete(clients, key, &mut value, known).await?;
        Ok(value)
    }

    /// Carries the [`Managed::kept`] arguments from `known` where it has
    /// them, and the [`Managed::carried`] attributes a listing left out.
    fn keep(&self, mut value: Value, known: &Value) -> Value {
        if let Value::Map(map) = &mut value {
            for name in self.0.carried() {
                if map.contains_key(*name) {
                    continue;
                }
                let value = known
                    .get_attr(name)
                    .filter(|v| !v.is_unknown())
                    .cloned()
                    .unwrap_or(Value::Null);
                map.insert(name.to_string(), value);
            }
            for name in self.0.kept() {
                match known.get_attr(name) {
                    Some(v) if !v.is_null() => {
                        map.insert(name.to_string(), v.clone());
                    }
                    _ => {
                        map.entry(name.to_string()).or_insert(Value::Null);
                    }
                }
            }
        }
        value
    }

    async fn write_tags(
        &self,
        clients: &Clients,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let Some(tagging) = self.0.tagging() else {
            return Ok(());
        };
        let (add, remove) = tag_changes(
            &string_map_attr(prior, "tags"),
            &string_map_attr(planned, "tags"),
        );
        if add.is_empty() && remove.is_empty() {
            return Ok(());
        }
        let target_name = self.0.tag_target();
        let target = str_attr(prior, target_name).ok_or_else(|| {
            ProviderError::new(format!(
                "the {}'s state has no {target_name}",
                self.0.noun()
            ))
        })?;
        tagging.update(clients, &target, &add, &remove).await
    }
}

fn missing(noun: &str, key: &str, when: &str) -> ProviderError {
    ProviderError::new(format!("the {noun} {key} {when}"))
}

#[async_trait]
impl<M: Managed> AwsResource for Seam<M> {
    fn type_name(&self) -> &'static str {
        self.0.type_name()
    }

    fn schema(&self) -> Schema {
        self.0.schema()
    }

    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        self.0.plan(schema, request)
    }

    fn terraform_import_id(&self, attributes: &serde_json::Value) -> Option<String> {
        self.0.terraform_import_id(attributes)
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let planned = super::values::planned(request)?;
        let made = self.0.create(clients, request, planned).await?;
        let partial = merge_missing(object(made.known), planned);
        let kept_partial = |e: ProviderError| {
            if e.partial_state.is_some() {
                e
            } else {
                e.with_partial_state(partial.clone())
            }
        };
        self.0
            .after_create(clients, request, &made.key, planned)
            .await
            .map_err(kept_partial)?;
        self.fetch_one(clients, &made.key, planned)
            .await
            .map_err(kept_partial)?
            .ok_or_else(|| {
                kept_partial(missing(self.0.noun(), &made.key, "vanished after creation"))
            })
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let prior = super::values::prior(request)?;
        let planned = super::values::planned(request)?;
        let key = self.0.key(prior)?;
        self.0
            .update(clients, request, &key, prior, planned)
            .await?;
        self.write_tags(clients, prior, planned).await?;
        self.0.after_update(clients, request, &key, planned).await?;
        // A type whose key is made of arguments (a DNS record's type) may
        // have a new one after an update; the others keep theirs.
        let key = self.0.key(planned).unwrap_or(key);
        self.fetch_one(clients, &key, planned)
            .await?
            .ok_or_else(|| missing(self.0.noun(), &key, "no longer exists"))
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<(), ProviderError> {
        let prior = super::values::prior(request)?;
        let key = self.0.key(prior)?;
        self.0.delete(clients, request, &key, prior).await
    }

    async fn read(
        &self,
        clients: &Clients,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let mut results = self.read_many(clients, &[current]).await;
        results
            .pop()
            .unwrap_or_else(|| Err(ProviderError::new("no read result")))
    }

    /// Every read is one [`Managed::describe`] of all the keys.
    async fn read_many(
        &self,
        clients: &Clients,
        currents: &[&Value],
    ) -> Vec<Result<Option<Value>, ProviderError>> {
        let keys: Vec<Result<String, ProviderError>> =
            currents.iter().map(|c| self.0.key(c)).collect();
        let mut wanted: Vec<String> = keys.iter().filter_map(|k| k.clone().ok()).collect();
        wanted.sort();
        wanted.dedup();
        let known: BTreeMap<String, Value> = currents
            .iter()
            .zip(&keys)
            .filter_map(|(current, key)| Some((key.clone().ok()?, (*current).clone())))
            .collect();
        let found = match self.fetch(clients, &wanted, &known).await {
            Ok(found) => found,
            Err(e) => return currents.iter().map(|_| Err(e.clone())).collect(),
        };
        let mut out = Vec::with_capacity(currents.len());
        for (current, key) in currents.iter().zip(keys) {
            out.push(match key {
                Err(e) => Err(e),
                Ok(key) => match found.get(&key) {
                    Some(v) => self
                        .finish(clients, &key, v.clone(), current)
                        .await
                        .map(Some),
                    None => Ok(None),
                },
            });
        }
        out
    }

    async fn import(&self, clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
        self.fetch_one(clients, id, &Value::Null).await
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        match self.0.find_created(clients, operation_id, planned).await? {
            Some(key) => self.fetch_one(clients, &key, planned).await,
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_changes_add_changed_values_and_remove_dropped_keys() {
        let old = BTreeMap::from([
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
        ]);
        let new = BTreeMap::from([
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "3".to_string()),
            ("c".to_string(), "4".to_string()),
        ]);
        let (add, remove) = tag_changes(&old, &new);
        assert_eq!(add.keys().collect::<Vec<_>>(), ["b", "c"]);
        assert!(remove.is_empty());
        let (add, remove) = tag_changes(&new, &old);
        assert_eq!(add.keys().collect::<Vec<_>>(), ["b"]);
        assert_eq!(remove, ["c"]);
    }

    #[tokio::test]
    async fn pages_follow_tokens_and_stop_on_a_repeated_one() {
        let calls = std::sync::Mutex::new(Vec::new());
        let items: Result<Vec<u32>, ()> = pages(|token| {
            calls.lock().unwrap().push(token.clone());
            async move {
                Ok(match token.as_deref() {
                    None => (vec![1, 2], Some("a".to_string())),
                    Some("a") => (vec![3], Some("b".to_string())),
                    // A broken server hands out "a" again.
                    _ => (vec![4], Some("a".to_string())),
                })
            }
        })
        .await;
        assert_eq!(items, Ok(vec![1, 2, 3, 4]));
        assert_eq!(calls.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn missing_tags_are_filled_by_one_list_many_call_without_our_intent_tag() {
        use super::super::values::object;
        let mut found = BTreeMap::from([
            ("a".to_string(), object([("arn", string("arn:a"))])),
            ("b".to_string(), object([("arn", string("arn:b"))])),
            (
                "tagged".to_string(),
                object([
                    ("arn", string("arn:t")),
                    (
                        "tags",
                        string_map(BTreeMap::from([("k".into(), "v".into())])),
                    ),
                ]),
            ),
            ("no-arn".to_string(), object([("id", string("x"))])),
        ]);
        let calls = std::sync::Mutex::new(Vec::new());
        fill_tags(&mut found, "arn", |targets| {
            calls.lock().unwrap().push(targets);
            async {
                Ok(BTreeMap::from([(
                    "arn:a".to_string(),
                    BTreeMap::from([
                        ("Name".to_string(), "a".to_string()),
                        (INTENT_TAG.to_string(), "op".to_string()),
                    ]),
                )]))
            }
        })
        .await
        .unwrap();
        assert_eq!(*calls.lock().unwrap(), [vec!["arn:a", "arn:b"]]);
        let tags = |key: &str| string_map_attr(&found[key], "tags");
        assert_eq!(tags("a"), BTreeMap::from([("Name".into(), "a".into())]));
        assert!(
            tags("b").is_empty(),
            "an object the answer leaves out has no tags"
        );
        assert_eq!(tags("tagged"), BTreeMap::from([("k".into(), "v".into())]));
        assert!(tags("no-arn").is_empty());

        // Nothing to fill: no call at all.
        fill_tags(&mut found, "arn", |_| async {
            panic!("listed although every value has its tags")
        })
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn one_key_is_described_alone_and_many_by_one_listing() {
        let listed = std::sync::atomic::AtomicU32::new(0);
        let all = || async {
            listed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(BTreeMap::from([
                ("a".to_string(), Value::Bool(true)),
                ("b".to_string(), Value::Bool(true)),
                ("other".to_string(), Value::Bool(true)),
            ]))
        };
        let one = |k: String| async move { Ok((k == "a").then_some(Value::Bool(true))) };
        let single = one_or_all(&["a".to_string()], one, all).await.unwrap();
        assert_eq!(single.len(), 1);
        assert_eq!(listed.load(std::sync::atomic::Ordering::SeqCst), 0);
        let many = one_or_all(
            &["a".to_string(), "b".to_string(), "gone".to_string()],
            one,
            all,
        )
        .await
        .unwrap();
        assert_eq!(many.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(listed.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
