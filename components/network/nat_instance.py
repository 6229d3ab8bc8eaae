"""NatInstance: a small, self-healing NAT instance for the private subnets.

Creates:
1. a security group admitting all traffic from the VPC CIDR and allowing all egress
   (standalone rules, never inline);
2. an arm64 EC2 instance (default t4g.nano) from the current Amazon Linux 2023 AMI, read by the
   program from AWS's public SSM parameter (a concrete `ami-...` id), with source/destination
   check off, IMDSv2 required, EBS optimization on, an encrypted gp3 root volume and user data
   that enables forwarding and masquerading (nftables, re-applied by a systemd unit at every
   boot);
3. an instance profile whose role has only the AWS managed policy AmazonSSMManagedInstanceCore,
   so Systems Manager can patch the instance and open a shell on it (Session Manager) with no
   SSH key and no inbound port; that policy lets it read every parameter, the stack's permissions
   boundary only this stack's own (`/<project>/<stack>/...`, components/security/boundary.py);
4. with `elastic_ip` (the default), an Elastic IP, so the egress address stays the same across
   stops and recoveries; without it the instance takes the address EC2 gives it at each start
   (billed only while it runs, aws-facts#public-ipv4);
5. self-healing in two parts: a failed *system* status check (the host's fault) is handled by
   EC2's simplified automatic recovery, on by default for t4g and set explicitly here
   (`maintenance_options.auto_recovery = "default"`): same instance id, ENI, private IP and
   Elastic IP on new hardware (aws-facts#simplified-auto-recovery); a failed *instance* status
   check (the guest's fault: a hung kernel, a full disk) has no built-in remedy, so one
   CloudWatch alarm reboots it. A second alarm with the `ec2:recover` action would only repeat
   what simplified recovery already does, for one more `cloudwatch.alarm.month`.

Why alarms and not an auto scaling group of one: the private route tables point at this
instance's network interface. Recovery keeps that interface, so the routes stay valid with no
extra moving parts; an auto scaling group would launch a new instance with a new interface and
need a Lambda or instance-role permissions to rewrite every route table, and still take minutes.
Why the program reads the SSM parameter instead of passing `resolve:ssm:<parameter>` as the
AMI: with a `root_block_device` block the AWS provider looks the root device up by calling
DescribeImages with the `ami` value, and a `resolve:ssm:` string is not an image id, so the
create fails (reported as terraform-provider-aws issue 43488). The parameter's value changes
with every Amazon Linux release; later values are ignored (`ignore_changes=["ami"]`) so a new
image never replaces the NAT behind your back; replace it deliberately with
`pulumi up --replace <urn>` to pick up a newer image.

Inputs (NatInstanceArgs): vpc_id, vpc_cidr, subnet_id (a public subnet), region,
instance_type="t4g.nano", iam_path="/", elastic_ip=True.

Cost: `ec2.t4g.nano.hour` + an Elastic IP (`public_ipv4.hour`) + 8 GB at `ebs.gp3.gb_month`,
against `nat_gateway.hour` + its IP for a NAT gateway (figures: the cost tables of docs/costs.md).
Traffic through it is not charged per GB (a NAT gateway's `nat_gateway.gb`). One instance is a
single point of failure for egress (not ingress): recovery takes a few minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.kit.component import Component, ComponentArgs
from components.kit.roles import service_role

AL2023_ARM64_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
# AWS managed policy that lets the SSM agent register, take patches and serve Session Manager.
SSM_MANAGED_INSTANCE_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"

USER_DATA_TEMPLATE = """#!/bin/bash
# NAT instance bootstrap: forwarding + masquerading for {vpc_cidr}, re-applied at every boot.
set -euo pipefail
cat > /etc/sysctl.d/90-nat.conf <<'EOF'
net.ipv4.ip_forward = 1
net.ipv4.conf.all.send_redirects = 0
EOF
sysctl --system >/dev/null
# The Elastic IP is attached seconds after launch: retry until the package repository answers.
for attempt in $(seq 1 60); do
  if command -v nft >/dev/null || dnf install -y nftables; then break; fi
  sleep 5
done
cat > /usr/local/sbin/nat-masquerade <<'EOF'
#!/bin/bash
set -euo pipefail
iface=$(ip -o -4 route show to default | awk '{{print $5; exit}}')
nft -f - <<RULES
table ip nat
delete table ip nat
table ip nat {{
  chain postrouting {{
    type nat hook postrouting priority srcnat; policy accept;
    oifname "$iface" ip saddr {vpc_cidr} masquerade
  }}
}}
RULES
EOF
chmod 0755 /usr/local/sbin/nat-masquerade
cat > /etc/systemd/system/nat-masquerade.service <<'EOF'
[Unit]
Description=Masquerade VPC traffic leaving through this NAT instance
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/nat-masquerade
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target
EOF
systemctl daemon-reload
systemctl enable --now nat-masquerade.service
"""


@dataclass(frozen=True)
class NatInstanceArgs(ComponentArgs):
    vpc_id: pulumi.Input[str]
    """Required: the VPC of the instance's security group."""
    vpc_cidr: str
    """Required: the VPC CIDR admitted by the instance's security group."""
    subnet_id: pulumi.Input[str]
    """Required: the public subnet the instance runs in."""
    region: str
    """Required: the region of the reboot alarm's EC2 action
    (`arn:aws:automate:<region>:ec2:reboot`)."""
    instance_type: str = "t4g.nano"
    """An arm64 instance type (Graviton). Cost: `ec2.t4g.nano.hour` for t4g.nano, plus
    `public_ipv4.hour` for the Elastic IP and `ebs.gp3.gb_month` for the disk."""
    iam_path: str = "/"
    """IAM path of the instance's role."""
    elastic_ip: bool = True
    """Egress from one Elastic IP that never changes. False: the address EC2 assigns at each
    start (it changes when the instance stops and starts, as it does every night with `sleep`),
    billed only while the instance runs; an Elastic IP bills all month (`public_ipv4.hour`)."""


class NatInstance(Component):
    """One arm64 NAT instance with an Elastic IP, automatic recovery and a reboot alarm."""

    security_group: aws.ec2.SecurityGroup
    role: aws.iam.Role
    instance_profile: aws.iam.InstanceProfile
    instance: aws.ec2.Instance
    eip: aws.ec2.Eip | None
    recovery_alarms: list[aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: NatInstanceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:network:NatInstance", name, args.transform, opts)
        self.args = args
        self.security_group = self._create_security_group()
        self.role, self.instance_profile = self._create_instance_profile()
        self.instance = self._create_instance()
        self.eip = (
            aws.ec2.Eip(
                f"{name}-eip",
                aws.ec2.EipArgs(
                    domain="vpc", instance=self.instance.id, tags={"Name": f"{name}-eip"}
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            if args.elastic_ip
            else None
        )
        self.recovery_alarms = self._create_recovery_alarms()
        self._finish(
            {
                "instanceId": self.instance.id,
                "networkInterfaceId": self.instance.primary_network_interface_id,
                "publicIp": self.public_ip,
            }
        )

    @property
    def public_ip(self) -> pulumi.Output[str]:
        """The egress address: the Elastic IP, or the one EC2 assigned at the last start."""
        return self.eip.public_ip if self.eip is not None else self.instance.public_ip

    @property
    def network_interface_id(self) -> pulumi.Output[str]:
        """The interface the private route tables send 0.0.0.0/0 to."""
        return self.instance.primary_network_interface_id

    def _create_security_group(self) -> aws.ec2.SecurityGroup:
        child = pulumi.ResourceOptions(parent=self)
        group = aws.ec2.SecurityGroup(
            f"{self._name}-sg",
            aws.ec2.SecurityGroupArgs(
                vpc_id=self.args.vpc_id,
                description="NAT instance: forwards traffic from the VPC to the internet",
                tags={"Name": f"{self._name}-sg"},
            ),
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-from-vpc",
            aws.vpc.SecurityGroupIngressRuleArgs(
                security_group_id=group.id,
                ip_protocol="-1",
                cidr_ipv4=self.args.vpc_cidr,
                description="All traffic from inside the VPC, to be forwarded",
            ),
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{self._name}-to-internet",
            aws.vpc.SecurityGroupEgressRuleArgs(
                security_group_id=group.id,
                ip_protocol="-1",
                cidr_ipv4="0.0.0.0/0",
                description="Forwarded traffic to the internet",
            ),
            opts=child,
        )
        return group

    def _create_instance_profile(self) -> tuple[aws.iam.Role, aws.iam.InstanceProfile]:
        child = pulumi.ResourceOptions(parent=self)
        role = service_role(
            f"{self._name}-ssm",
            service="ec2.amazonaws.com",
            path=self.args.iam_path,
            description="NAT instance: Systems Manager patching and Session Manager shell",
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{self._name}-ssm-core",
            aws.iam.RolePolicyAttachmentArgs(role=role.name, policy_arn=SSM_MANAGED_INSTANCE_CORE),
            opts=child,
        )
        profile = aws.iam.InstanceProfile(
            f"{self._name}-ssm",
            aws.iam.InstanceProfileArgs(path=self.args.iam_path, role=role.name),
            opts=child,
        )
        return role, profile

    def _create_instance(self) -> aws.ec2.Instance:
        # The current AL2023 arm64 image id, read now: see the module docstring for why the
        # instance must not be given a `resolve:ssm:` string.
        ami = aws.ssm.get_parameter_output(
            name=AL2023_ARM64_AMI_PARAMETER, opts=pulumi.InvokeOutputOptions(parent=self)
        ).value
        return aws.ec2.Instance(
            f"{self._name}-instance",
            aws.ec2.InstanceArgs(
                ami=ami,
                instance_type=self.args.instance_type,
                iam_instance_profile=self.instance_profile.name,
                # Graviton types are Nitro instances, EBS-optimized by default and at no extra
                # charge (EC2 user guide, EBS-optimized instances). The provider's docstring
                # notes that leaving it unset on such a type reads back as "disabled": say it.
                ebs_optimized=True,
                subnet_id=self.args.subnet_id,
                vpc_security_group_ids=[self.security_group.id],
                source_dest_check=False,
                # With an Elastic IP the instance needs no address of its own; without one it
                # takes the address EC2 assigns at each start.
                associate_public_ip_address=not self.args.elastic_ip,
                user_data=USER_DATA_TEMPLATE.format(vpc_cidr=self.args.vpc_cidr),
                user_data_replace_on_change=True,
                metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
                    http_endpoint="enabled",
                    http_tokens="required",
                    http_put_response_hop_limit=1,
                ),
                root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                    encrypted=True,
                    volume_type="gp3",
                    delete_on_termination=True,
                ),
                maintenance_options=aws.ec2.InstanceMaintenanceOptionsArgs(auto_recovery="default"),
                monitoring=False,
                tags={"Name": f"{self._name}-instance"},
            ),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["ami"]),
        )

    def _create_recovery_alarms(self) -> list[aws.cloudwatch.MetricAlarm]:
        # Only the instance check: system check failures are EC2's to recover
        # (auto_recovery="default" above; aws-facts#simplified-auto-recovery).
        alarm = aws.cloudwatch.MetricAlarm(
            f"{self._name}-instance-check",
            aws.cloudwatch.MetricAlarmArgs(
                alarm_description="NAT instance failed its instance status check: reboot it",
                namespace="AWS/EC2",
                metric_name="StatusCheckFailed_Instance",
                dimensions={"InstanceId": self.instance.id},
                statistic="Maximum",
                period=60,
                evaluation_periods=3,
                threshold=1,
                comparison_operator="GreaterThanOrEqualToThreshold",
                treat_missing_data="missing",
                alarm_actions=[f"arn:aws:automate:{self.args.region}:ec2:reboot"],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return [alarm]
