//! Resource types that hold data: destroying or replacing one loses what is
//! in it (a database's rows, a cache's keys, a bucket's objects, an
//! environment's running instances). Reviews call them out first.

/// The stateful resource types `stack` knows (AWS names).
pub const STATEFUL_TYPES: [&str; 12] = [
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_rds_cluster_instance",
    "aws_elasticache_cluster",
    "aws_elasticache_replication_group",
    "aws_s3_bucket",
    "aws_elastic_beanstalk_environment",
    "aws_dynamodb_table",
    "aws_efs_file_system",
    "aws_ebs_volume",
    "aws_kinesis_stream",
    "aws_sqs_queue",
];

/// True when destroying an object of this type loses data.
pub fn is_stateful(resource_type: &str) -> bool {
    STATEFUL_TYPES.contains(&resource_type)
}

#[cfg(test)]
mod tests {
    #[test]
    fn databases_and_buckets_are_stateful_but_security_groups_are_not() {
        assert!(super::is_stateful("aws_db_instance"));
        assert!(super::is_stateful("aws_s3_bucket"));
        assert!(!super::is_stateful("aws_security_group"));
    }
}
