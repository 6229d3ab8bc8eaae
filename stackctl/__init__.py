"""stackctl: offline and operational commands for this Pulumi project (`python -m stackctl`)."""
