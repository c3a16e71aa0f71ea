//! Finding and describing machines: `DescribeInstances` by ids in batches
//! (and their volumes in one `DescribeVolumes` per batch), by intent tag,
//! and polling one machine until it reaches a lifecycle state.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_ec2::types::{Filter, Instance as Ec2Instance, Volume};
use engine::provider::ProviderError;

use super::{state_of, Described, LifecycleState, FILTER_VALUES_PER_CALL, IDS_PER_CALL};
use crate::aws::ec2::describe_by_filter;
use crate::aws::retry::Poll;
use crate::aws::{AwsError, Clients};

/// Finds the machine a create with `operation_id` launched, by its intent
/// tag, leaving out machines already terminated (they are gone). Two can
/// exist only if EC2 honoured neither the token nor showed the first machine
/// in time; one is kept, the same one every time.
pub(super) async fn find_by_intent(
    clients: &Clients,
    operation_id: &str,
) -> Result<Option<String>, ProviderError> {
    let live = Filter::builder()
        .name("instance-state-name")
        .set_values(Some(
            ["pending", "running", "stopping", "stopped"]
                .map(String::from)
                .to_vec(),
        ))
        .build();
    let tagged = crate::aws::ec2::intent_filter(operation_id);
    let found = describe_pages(clients, |request| {
        request.filters(tagged.clone()).filters(live.clone())
    })
    .await?;
    Ok(found.into_keys().min())
}

/// Polls one machine until it reaches `target`, reporting each lifecycle
/// state on the way.
pub(super) async fn wait_for(
    clients: &Clients,
    id: &str,
    target: LifecycleState,
    timeout: Duration,
    report: &(dyn Fn(&str) + Sync),
) -> Result<Described, ProviderError> {
    let what = format!("instance {id} to be {}", target.name().to_lowercase());
    clients
        .wait(&what, timeout, report, || async move {
            let Some(described) = describe_one(clients, id).await? else {
                // EC2 is eventually consistent: a machine just launched may
                // not be visible yet; one being deleted may be gone already.
                return Ok(if target == LifecycleState::Terminated {
                    Poll::Ready(Described {
                        instance: Ec2Instance::builder().instance_id(id).build(),
                        owner: None,
                    })
                } else {
                    Poll::Pending(LifecycleState::Building.name().to_string())
                });
            };
            let state = state_of(&described.instance);
            if state == target {
                return Ok(Poll::Ready(described));
            }
            let lost = matches!(
                state,
                LifecycleState::Terminating | LifecycleState::Terminated
            );
            if lost && target != LifecycleState::Terminated {
                let reason = described
                    .instance
                    .state_reason()
                    .and_then(|r| r.message())
                    .unwrap_or("no reason given");
                return Err(ProviderError::new(format!(
                    "instance {id} is {} while waiting for it to be {}: {reason}",
                    state.name(),
                    target.name()
                )));
            }
            Ok(Poll::Pending(state.name().to_string()))
        })
        .await
}

pub(super) async fn describe_one(
    clients: &Clients,
    id: &str,
) -> Result<Option<Described>, ProviderError> {
    let mut found = describe_many(clients, &[id.to_string()]).await?;
    Ok(found.remove(id))
}

/// Describes many machines: per 1,000 ids one `DescribeInstances`, following
/// `NextToken` (moto pages at 100 reservations even when ids are given; AWS
/// does not page an id list, and following the token costs nothing there).
///
/// AWS fails the whole call with `InvalidInstanceID.NotFound` when one id
/// does not exist (and moto names only one of them). Such a batch is asked
/// again through the `instance-id` filter, which skips unknown ids, in
/// chunks of 200 values, the filter's limit.
pub(super) async fn describe_many(
    clients: &Clients,
    ids: &[String],
) -> Result<HashMap<String, Described>, AwsError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(IDS_PER_CALL) {
        let by_ids = describe_pages(clients, |request| {
            request.set_instance_ids(Some(chunk.to_vec()))
        })
        .await;
        match by_ids {
            Ok(described) => found.extend(described),
            Err(e) if e.is_not_found() => {
                for part in chunk.chunks(FILTER_VALUES_PER_CALL) {
                    let filter = Filter::builder()
                        .name("instance-id")
                        .set_values(Some(part.to_vec()))
                        .build();
                    found.extend(
                        describe_pages(clients, |request| {
                            request.filters(filter.clone()).max_results(1000)
                        })
                        .await?,
                    );
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(found)
}

type DescribeRequest =
    aws_sdk_ec2::operation::describe_instances::builders::DescribeInstancesFluentBuilder;

async fn describe_pages(
    clients: &Clients,
    build: impl Fn(DescribeRequest) -> DescribeRequest,
) -> Result<HashMap<String, Described>, AwsError> {
    let ec2 = &clients.ec2;
    let mut found = HashMap::new();
    let mut token: Option<String> = None;
    let mut seen_tokens = BTreeMap::new();
    loop {
        let page = clients
            .call("ec2", "DescribeInstances", || {
                build(ec2.describe_instances())
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        for reservation in page.reservations() {
            for instance in reservation.instances() {
                if let Some(id) = instance.instance_id() {
                    found.insert(
                        id.to_string(),
                        Described {
                            instance: instance.clone(),
                            owner: reservation.owner_id().map(str::to_string),
                        },
                    );
                }
            }
        }
        match page.next_token().filter(|t| !t.is_empty()) {
            // A token seen before would loop forever; stop instead.
            Some(next) if seen_tokens.insert(next.to_string(), ()).is_none() => {
                token = Some(next.to_string());
            }
            _ => break,
        }
    }
    Ok(found)
}

/// The volumes of the described machines, by id: one `DescribeVolumes` per
/// 200 volumes and page (the `volume-id` filter skips volumes already
/// gone), so a refresh pays per page of machines, not per machine.
pub(super) async fn describe_volumes(
    clients: &Clients,
    ids: &[String],
) -> Result<HashMap<String, Volume>, AwsError> {
    let ec2 = &clients.ec2;
    let volumes = describe_by_filter(ids, "volume-id", |filter, token| async move {
        let page = clients
            .call("ec2", "DescribeVolumes", || {
                ec2.describe_volumes()
                    .filters(filter.clone())
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        Ok((
            page.volumes().to_vec(),
            page.next_token().map(str::to_string),
        ))
    })
    .await?;
    Ok(volumes
        .into_iter()
        .filter_map(|v| Some((v.volume_id()?.to_string(), v)))
        .collect())
}
