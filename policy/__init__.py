"""Policy pack (pulumi_policy) and the pure rules it shares with the offline tests."""
