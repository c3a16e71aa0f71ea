//! Data sources about the provider itself: `aws_caller_identity` (STS,
//! asked once per run), `aws_region` and `aws_partition` (no call at all).

use async_trait::async_trait;
use engine::provider::{AttrType, AttributeSchema, ProviderError, Schema};
use engine::value::Value;

use super::values::{object, str_attr, string};
use super::{AwsDataSource, Clients};

/// The data sources of this module, for `AwsProvider::new`.
pub fn data_sources() -> Vec<Box<dyn AwsDataSource>> {
    vec![
        Box::new(CallerIdentity),
        Box::new(Region),
        Box::new(Partition),
    ]
}

fn computed(name: &'static str, what: &'static str) -> AttributeSchema {
    AttributeSchema::computed(name, AttrType::String).describe(what)
}

pub struct CallerIdentity;

#[async_trait]
impl AwsDataSource for CallerIdentity {
    fn type_name(&self) -> &'static str {
        "aws_caller_identity"
    }

    fn schema(&self) -> Schema {
        Schema::new("Who the provider's credentials belong to (STS GetCallerIdentity).")
            .attr(computed("account_id", "The account id."))
            .attr(computed("arn", "The ARN of the caller."))
            .attr(computed("user_id", "The caller's unique id."))
            .attr(computed("id", "The account id."))
    }

    async fn read(&self, clients: &Clients, _config: &Value) -> Result<Value, ProviderError> {
        let identity = clients.caller_identity().await?;
        Ok(object([
            ("account_id", string(&identity.account)),
            ("arn", string(&identity.arn)),
            ("user_id", string(&identity.user_id)),
            ("id", string(&identity.account)),
        ]))
    }
}

pub struct Region;

/// The regions' descriptions, as the AWS endpoint metadata (which
/// Terraform's `aws_region` reads) names them. Copied as data because the
/// Rust SDK does not expose its endpoint partitions' descriptions.
const REGION_DESCRIPTIONS: [(&str, &str); 37] = [
    ("af-south-1", "Africa (Cape Town)"),
    ("ap-east-1", "Asia Pacific (Hong Kong)"),
    ("ap-northeast-1", "Asia Pacific (Tokyo)"),
    ("ap-northeast-2", "Asia Pacific (Seoul)"),
    ("ap-northeast-3", "Asia Pacific (Osaka)"),
    ("ap-south-1", "Asia Pacific (Mumbai)"),
    ("ap-south-2", "Asia Pacific (Hyderabad)"),
    ("ap-southeast-1", "Asia Pacific (Singapore)"),
    ("ap-southeast-2", "Asia Pacific (Sydney)"),
    ("ap-southeast-3", "Asia Pacific (Jakarta)"),
    ("ap-southeast-4", "Asia Pacific (Melbourne)"),
    ("ap-southeast-5", "Asia Pacific (Malaysia)"),
    ("ap-southeast-7", "Asia Pacific (Thailand)"),
    ("ca-central-1", "Canada (Central)"),
    ("ca-west-1", "Canada West (Calgary)"),
    ("cn-north-1", "China (Beijing)"),
    ("cn-northwest-1", "China (Ningxia)"),
    ("eu-central-1", "Europe (Frankfurt)"),
    ("eu-central-2", "Europe (Zurich)"),
    ("eu-north-1", "Europe (Stockholm)"),
    ("eu-south-1", "Europe (Milan)"),
    ("eu-south-2", "Europe (Spain)"),
    ("eu-west-1", "Europe (Ireland)"),
    ("eu-west-2", "Europe (London)"),
    ("eu-west-3", "Europe (Paris)"),
    ("il-central-1", "Israel (Tel Aviv)"),
    ("me-central-1", "Middle East (UAE)"),
    ("me-south-1", "Middle East (Bahrain)"),
    ("mx-central-1", "Mexico (Central)"),
    ("sa-east-1", "South America (Sao Paulo)"),
    ("us-east-1", "US East (N. Virginia)"),
    ("us-east-2", "US East (Ohio)"),
    ("us-gov-east-1", "AWS GovCloud (US-East)"),
    ("us-gov-west-1", "AWS GovCloud (US-West)"),
    ("us-west-1", "US West (N. California)"),
    ("us-west-2", "US West (Oregon)"),
    ("ap-east-2", "Asia Pacific (Taipei)"),
];

/// A region's description; empty for a region the table does not know
/// (a new one, or an AWS-compatible API's own name).
fn region_description(region: &str) -> &'static str {
    REGION_DESCRIPTIONS
        .iter()
        .find(|(name, _)| *name == region)
        .map_or("", |(_, description)| description)
}

/// The DNS suffix of a partition's endpoints.
fn dns_suffix(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "amazonaws.com.cn",
        _ => "amazonaws.com",
    }
}

#[async_trait]
impl AwsDataSource for Region {
    fn type_name(&self) -> &'static str {
        "aws_region"
    }

    fn schema(&self) -> Schema {
        Schema::new("The provider's region.")
            .attr(
                AttributeSchema::optional_computed("name", AttrType::String)
                    .describe("Deprecated: use region. The region's name."),
            )
            .attr(
                AttributeSchema::optional_computed("region", AttrType::String)
                    .describe("The region's name; the provider's when unset."),
            )
            .attr(
                AttributeSchema::optional_computed("endpoint", AttrType::String)
                    .describe("The region's EC2 endpoint host."),
            )
            .attr(computed(
                "description",
                "The region's description, e.g. \"US East (N. Virginia)\".",
            ))
            .attr(computed("id", "The region's name."))
    }

    async fn read(&self, clients: &Clients, config: &Value) -> Result<Value, ProviderError> {
        let region = str_attr(config, "region")
            .or_else(|| str_attr(config, "name"))
            .unwrap_or_else(|| clients.region.clone());
        let partition = super::partition(&region);
        let endpoint = format!("ec2.{region}.{}", dns_suffix(partition));
        if let Some(wanted) = str_attr(config, "endpoint").filter(|e| *e != endpoint) {
            return Err(ProviderError::new(format!(
                "aws_region: no region has the endpoint {wanted}; {region}'s is {endpoint}"
            )));
        }
        Ok(object([
            ("name", string(&region)),
            ("region", string(&region)),
            ("endpoint", string(endpoint)),
            ("description", string(region_description(&region))),
            ("id", string(&region)),
        ]))
    }
}

pub struct Partition;

#[async_trait]
impl AwsDataSource for Partition {
    fn type_name(&self) -> &'static str {
        "aws_partition"
    }

    fn schema(&self) -> Schema {
        Schema::new("The AWS partition of the provider's region.")
            .attr(computed(
                "partition",
                "\"aws\", \"aws-cn\" or \"aws-us-gov\".",
            ))
            .attr(computed(
                "dns_suffix",
                "The partition's DNS suffix, e.g. \"amazonaws.com\".",
            ))
            .attr(computed(
                "reverse_dns_prefix",
                "The partition's reverse DNS prefix, e.g. \"com.amazonaws\".",
            ))
            .attr(computed("id", "The partition."))
    }

    async fn read(&self, clients: &Clients, _config: &Value) -> Result<Value, ProviderError> {
        let partition = clients.partition();
        let suffix = dns_suffix(partition);
        let reverse: Vec<&str> = suffix.split('.').rev().collect();
        Ok(object([
            ("partition", string(partition)),
            ("dns_suffix", string(suffix)),
            ("reverse_dns_prefix", string(reverse.join("."))),
            ("id", string(partition)),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_described_as_the_endpoint_metadata_describes_them() {
        assert_eq!(region_description("us-east-1"), "US East (N. Virginia)");
        assert_eq!(region_description("eu-west-1"), "Europe (Ireland)");
        assert_eq!(region_description("moto-local-1"), "");
    }

    #[test]
    fn reverse_dns_prefixes_follow_the_partition() {
        for (partition, want) in [("aws", "com.amazonaws"), ("aws-cn", "cn.com.amazonaws")] {
            let reverse: Vec<&str> = dns_suffix(partition).split('.').rev().collect();
            assert_eq!(reverse.join("."), want);
        }
    }
}
