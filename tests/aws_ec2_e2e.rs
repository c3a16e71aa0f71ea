//! End to end: the real `stack` binary applies a machine with its network and
//! a shell provisioner to the AWS emulator, plans again to "No changes.",
//! and destroys it all.

mod common;
#[path = "../providers/tests/common/emulator.rs"]
mod emulator;

use common::Stack;
use emulator::Emulator;

fn template(endpoint: &str) -> String {
    let endpoints: String = [
        "ec2",
        "rds",
        "elasticache",
        "cloudfront",
        "elasticbeanstalk",
        "s3",
        "sts",
    ]
    .iter()
    .map(|service| format!("    {service} = \"{endpoint}\"\n"))
    .collect();
    format!(
        r#"
stack {{
  name = "machines"
  configuration = {{
    APP_ENV = "e2e"
  }}
}}

provider "aws" {{
  region        = "{region}"
  access_key    = "{key}"
  secret_key    = "{secret}"
  max_retries   = 0
  poll_interval = "100ms"
  endpoints {{
{endpoints}  }}
}}

data "aws_availability_zones" "available" {{
  state = "available"
}}

resource "aws_vpc" "main" {{
  cidr_block           = "10.50.0.0/16"
  enable_dns_hostnames = true
  tags = {{
    Name = "e2e"
  }}
}}

resource "aws_subnet" "app" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, 1)
  availability_zone = data.aws_availability_zones.available.names[0]
}}

resource "aws_security_group" "app" {{
  name        = "e2e-app"
  description = "e2e app"
  vpc_id      = aws_vpc.main.id

  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_instance" "app" {{
  ami                    = "ami-12c6146b"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.app.id
  vpc_security_group_ids = [aws_security_group.app.id]
  tags = {{
    Name = "e2e-app"
  }}

  provisioner "shell" {{
    script = file("${{path.module}}/provision/app.sh")
  }}
}}

output "private_ip" {{
  value = aws_instance.app.private_ip
}}

output "state" {{
  value = aws_instance.app.instance_state
}}
"#,
        region = emulator::REGION,
        key = emulator::ACCESS_KEY_ID,
        secret = emulator::SECRET_ACCESS_KEY,
    )
}

#[test]
fn machine_with_network_and_provisioner_applies_plans_clean_and_destroys() {
    let emulator = Emulator::start();
    let s = Stack::with_main(&template(&emulator.endpoint()));
    s.write(
        "provision/app.sh",
        "#!/bin/bash\necho \"starting app in $APP_ENV\" > /var/log/app.log\n",
    );

    let apply = s.apply(&[]);
    assert!(
        apply
            .stdout
            .contains("Apply complete! Resources: 4 added, 0 changed, 0 destroyed."),
        "{}",
        apply.both()
    );
    let managed: Vec<String> = s
        .state_list()
        .into_iter()
        .filter(|a| !a.starts_with("data."))
        .collect();
    assert_eq!(
        managed,
        [
            "aws_instance.app",
            "aws_security_group.app",
            "aws_subnet.app",
            "aws_vpc.main"
        ]
    );
    assert_eq!(s.output("state"), "Running");
    assert!(
        s.output("private_ip")
            .as_str()
            .is_some_and(|ip| ip.starts_with("10.50.1.")),
        "{}",
        s.output("private_ip")
    );

    let again = s.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(again.stdout.contains("No changes."), "{}", again.both());

    // A changed script plans a replacement of the machine only, and says why.
    s.write(
        "provision/app.sh",
        "#!/bin/bash\necho \"starting app v2 in $APP_ENV\" > /var/log/app.log\n",
    );
    let changed = s.expect(2, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        changed.planned("must be replaced"),
        ["aws_instance.app"],
        "{}",
        changed.both()
    );
    assert!(
        changed
            .stdout
            .contains("`provisioners` cannot be changed in place"),
        "{}",
        changed.stdout
    );

    let destroy = s.ok(&["destroy", "--auto-approve"]);
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 4 destroyed."),
        "{}",
        destroy.both()
    );
    assert!(
        s.state_list().iter().all(|a| a.starts_with("data.")),
        "{:?}",
        s.state_list()
    );
}
