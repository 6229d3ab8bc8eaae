"""NatSchedule: the NAT instance sleeps when the services do (`sleep` set).

Creates:
1. an IAM role that EventBridge Scheduler assumes (trust `scheduler.amazonaws.com`, only for
   schedules of this account), allowed `ec2:StartInstances` and `ec2:StopInstances` on the
   NAT instance only (its ARN, no wildcard);
2. two EventBridge Scheduler schedules with the universal targets
   `arn:aws:scheduler:::aws-sdk:ec2:startInstances` and `...:stopInstances` and the input
   `{"InstanceIds": ["i-..."]}` (aws-facts#scheduler-universal-target), in the sleep
   schedule's time zone (`schedule_expression_timezone`), on the schedule's days:
   - start `lead_minutes` (10) before the services wake: the instance boots and its
     masquerade unit is up before the first task pulls its image or calls out;
   - stop `lag_minutes` (10) after the services are told to sleep: scaling to zero stops the
     tasks gradually (each gets its stop timeout), and a task still draining may need egress.
   With `weekdays 08-20 Europe/Berlin`: start 07:50 and stop 20:10, Monday to Friday, Berlin
   time. A wake at hour 0 starts the NAT at 23:50 the day before (the days shift with it).

The services scale at the full hour (components/compute/scaling.py: `cron(0 <hour> ? * <days> *)` in
the same zone); `nat_times` derives both NAT times from the same SleepSchedule, so the two can
not drift apart.

The reboot alarm of the NAT instance (components/network/nat_instance.py) stays quiet while it is
stopped: a stopped instance publishes no status-check data, the alarm treats missing data as
missing (the state goes to INSUFFICIENT_DATA, which has no action), and EC2's own automatic
recovery acts only on running instances (aws-facts#stopped-instance-checks). Nothing else
watches the NAT. tests/network/test_nat_schedule.py checks the alarm keeps that configuration.

While stopped the instance bills nothing for compute; its Elastic IP (public IPv4) and its
EBS volume keep billing. A `pulumi up` while it sleeps leaves it stopped, except for a change
the provider applies by stopping and starting the instance (its type): that leaves it running
until the next scheduled stop. If the account encrypts new EBS volumes with a customer managed
KMS key, the role also needs that key (kms:CreateGrant) or StartInstances fails quietly; the
NAT's volume uses the AWS managed key.

Inputs (NatScheduleArgs, defaults in brackets): name_prefix, instance_id, instance_arn, sleep
(SleepSchedule), iam_path ["/"], lead_minutes [10], lag_minutes [10].

Cost: EventBridge Scheduler bills invocations (about 44 a month here: nothing, far inside any
price step); the role is free. It saves the instance hours: with `weekdays 08-20` the NAT runs
about 62 of 168 hours a week.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config.values import SleepSchedule
from components.kit.component import Component, ComponentArgs
from components.kit.roles import role_with_policy

START_TARGET = "arn:aws:scheduler:::aws-sdk:ec2:startInstances"
STOP_TARGET = "arn:aws:scheduler:::aws-sdk:ec2:stopInstances"
DAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
MINUTES_PER_DAY = 24 * 60
SCHEDULE_NAME = re.compile(r"^[0-9A-Za-z_.-]{1,64}$")


@dataclass(frozen=True)
class NatScheduleArgs(ComponentArgs):
    name_prefix: str
    """Required: `<project>-<stack>`: the schedules' names start with it."""
    instance_id: pulumi.Input[str]
    """Required: the NAT instance's id (NatInstance.instance.id): the schedules' input."""
    instance_arn: pulumi.Input[str]
    """Required: the NAT instance's ARN (NatInstance.instance.arn): the only resource the role may
    act on."""
    sleep: SleepSchedule
    """Required: the stack's sleep schedule: the same one the services scale on."""
    iam_path: str = "/"
    """The IAM path of the Scheduler's role."""
    lead_minutes: int = 10
    """Minutes before the services wake that the NAT starts (0-59)."""
    lag_minutes: int = 10
    """Minutes after the services sleep that the NAT stops (0-59)."""


@dataclass(frozen=True)
class CronTime:
    """One schedule time: minute, hour and days of the week as EventBridge cron fields."""

    minute: int
    hour: int
    days: str

    @property
    def expression(self) -> str:
        return f"cron({self.minute} {self.hour} ? * {self.days} *)"


def _days(schedule: SleepSchedule, shift: int) -> str:
    """The schedule's days of the week, moved by `shift` days (-1: the day before)."""
    if schedule.days == "daily":
        return "*"
    indices = [(day + shift) % 7 for day in range(5)]  # Monday..Friday
    names = [DAY_NAMES[i] for i in indices]
    return f"{names[0]}-{names[-1]}" if indices == sorted(indices) else ",".join(names)


def _at(schedule: SleepSchedule, minute_of_day: int) -> CronTime:
    shift, minute = divmod(minute_of_day, MINUTES_PER_DAY)
    return CronTime(minute % 60, minute // 60, _days(schedule, shift))


def check_name_prefix(name_prefix: str) -> None:
    """EventBridge Scheduler: a schedule name is 1 to 64 letters, digits, `-`, `_` or `.`."""
    longest = f"{name_prefix}-nat-start"
    if not SCHEDULE_NAME.match(longest):
        raise ValueError(
            f"name_prefix {name_prefix!r}: the schedule name {longest!r} must be 1 to 64 "
            "letters, digits, '-', '_' or '.'"
        )


def nat_times(schedule: SleepSchedule, lead_minutes: int, lag_minutes: int) -> dict[str, CronTime]:
    """When the NAT starts and stops, in the schedule's zone."""
    for key, value in (("lead_minutes", lead_minutes), ("lag_minutes", lag_minutes)):
        if not 0 <= value <= 59:
            raise ValueError(f"{key} {value}: 0 to 59 minutes")
    return {
        "start": _at(schedule, schedule.wake_hour * 60 - lead_minutes),
        "stop": _at(schedule, schedule.sleep_hour * 60 + lag_minutes),
    }


def instance_input(instance_id: str) -> str:
    """The universal target's input: the StartInstances/StopInstances request, as JSON."""
    return json.dumps({"InstanceIds": [instance_id]})


def scheduler_policy(instance_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "StartAndStopTheNatInstance",
                    "Effect": "Allow",
                    "Action": ["ec2:StartInstances", "ec2:StopInstances"],
                    "Resource": instance_arn,
                }
            ],
        }
    )


def scheduler_trust(account_id: str) -> str:
    """Scheduler may assume the role only for schedules of this account (confused deputy)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "scheduler.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
    )


class NatSchedule(Component):
    """Start and stop schedules for the NAT instance, and the role they run as."""

    role: aws.iam.Role
    schedules: dict[str, aws.scheduler.Schedule]
    times: dict[str, CronTime]

    def __init__(
        self, name: str, args: NatScheduleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:network:NatSchedule", name, args.transform, opts)
        check_name_prefix(args.name_prefix)
        self.times = nat_times(args.sleep, args.lead_minutes, args.lag_minutes)
        child = pulumi.ResourceOptions(parent=self)
        instance_arn = pulumi.Output.from_input(args.instance_arn)
        # arn:aws:ec2:<region>:<account>:instance/i-...
        account_id = instance_arn.apply(lambda arn: arn.split(":")[4])
        self.role, policy = role_with_policy(
            f"{name}-scheduler",
            trust=account_id.apply(scheduler_trust),
            path=args.iam_path,
            description="EventBridge Scheduler: start and stop the NAT instance",
            policy=instance_arn.apply(scheduler_policy),
            opts=child,
        )
        request = pulumi.Output.from_input(args.instance_id).apply(instance_input)
        self.schedules = {}
        for action, target in (("start", START_TARGET), ("stop", STOP_TARGET)):
            time = self.times[action]
            self.schedules[action] = aws.scheduler.Schedule(
                f"{name}-{action}",
                aws.scheduler.ScheduleArgs(
                    name=f"{args.name_prefix}-nat-{action}",
                    description=f"{action.capitalize()} the NAT instance ({args.sleep})",
                    schedule_expression=time.expression,
                    schedule_expression_timezone=args.sleep.timezone,
                    flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
                    target=aws.scheduler.ScheduleTargetArgs(
                        arn=target,
                        role_arn=self.role.arn,
                        input=request,
                        retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                            maximum_event_age_in_seconds=3600, maximum_retry_attempts=5
                        ),
                    ),
                ),
                # A fixed name (unique in the default group): the old schedule goes first.
                opts=pulumi.ResourceOptions(
                    parent=self, delete_before_replace=True, depends_on=[policy]
                ),
            )
        self._finish({"schedules": {k: s.arn for k, s in self.schedules.items()}})
