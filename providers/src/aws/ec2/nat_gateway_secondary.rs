//! A NAT gateway's secondary addresses, changed in place: Elastic IPs of a
//! public gateway associated and disassociated, private addresses of a
//! private gateway assigned and unassigned.

use engine::provider::ProviderError;
use engine::value::Value;

use super::describe_where;
use crate::aws::values::{changed, number_attr, str_attr, strings_attr};
use crate::aws::Clients;

fn difference(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

pub async fn update(
    clients: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let known = |name: &str| planned.get_attr(name).is_some_and(|v| v.is_wholly_known());
    if changed(prior, planned, "secondary_allocation_ids") && known("secondary_allocation_ids") {
        allocations(clients, id, prior, planned).await?;
    }
    if str_attr(planned, "connectivity_type").as_deref() != Some("private") {
        return Ok(());
    }
    if changed(prior, planned, "secondary_private_ip_addresses")
        && known("secondary_private_ip_addresses")
    {
        let before = strings_attr(prior, "secondary_private_ip_addresses");
        let after = strings_attr(planned, "secondary_private_ip_addresses");
        private_addresses(
            clients,
            id,
            difference(&before, &after),
            difference(&after, &before),
            None,
        )
        .await?;
    } else if changed(prior, planned, "secondary_private_ip_address_count") {
        let before = number_attr(prior, "secondary_private_ip_address_count").unwrap_or(0.0) as i32;
        let after =
            number_attr(planned, "secondary_private_ip_address_count").unwrap_or(0.0) as i32;
        let current = strings_attr(prior, "secondary_private_ip_addresses");
        let extra: Vec<String> = current
            .iter()
            .skip(after.max(0) as usize)
            .cloned()
            .collect();
        let more = (after > before).then_some(after - before);
        private_addresses(
            clients,
            id,
            if more.is_some() { Vec::new() } else { extra },
            Vec::new(),
            more,
        )
        .await?;
    }
    Ok(())
}

async fn allocations(
    clients: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let before = strings_attr(prior, "secondary_allocation_ids");
    let after = strings_attr(planned, "secondary_allocation_ids");
    let gone = difference(&before, &after);
    let new = difference(&after, &before);
    let ec2 = &clients.ec2;
    if !gone.is_empty() {
        let found = describe_where(clients, "nat-gateway-id", &[id.to_string()]).await?;
        let associations: Vec<String> = found
            .iter()
            .flat_map(|g| g.nat_gateway_addresses())
            .filter(|a| {
                a.allocation_id()
                    .is_some_and(|i| gone.iter().any(|g| g == i))
            })
            .filter_map(|a| a.association_id().map(str::to_string))
            .collect();
        clients
            .call("ec2", "DisassociateNatGatewayAddress", || {
                ec2.disassociate_nat_gateway_address()
                    .nat_gateway_id(id)
                    .set_association_ids(Some(associations.clone()))
                    .send()
            })
            .await?;
    }
    if !new.is_empty() {
        clients
            .call("ec2", "AssociateNatGatewayAddress", || {
                ec2.associate_nat_gateway_address()
                    .nat_gateway_id(id)
                    .set_allocation_ids(Some(new.clone()))
                    .send()
            })
            .await?;
    }
    Ok(())
}

async fn private_addresses(
    clients: &Clients,
    id: &str,
    gone: Vec<String>,
    new: Vec<String>,
    count: Option<i32>,
) -> Result<(), ProviderError> {
    let ec2 = &clients.ec2;
    if !gone.is_empty() {
        clients
            .call("ec2", "UnassignPrivateNatGatewayAddress", || {
                ec2.unassign_private_nat_gateway_address()
                    .nat_gateway_id(id)
                    .set_private_ip_addresses(Some(gone.clone()))
                    .send()
            })
            .await?;
    }
    if !new.is_empty() || count.is_some() {
        clients
            .call("ec2", "AssignPrivateNatGatewayAddress", || {
                ec2.assign_private_nat_gateway_address()
                    .nat_gateway_id(id)
                    .set_private_ip_addresses((!new.is_empty()).then(|| new.clone()))
                    .set_private_ip_address_count(count)
                    .send()
            })
            .await?;
    }
    Ok(())
}
