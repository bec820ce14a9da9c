"""Fixtures of the AWS check tests: a moto server, a gate in front of it, a fresh account per test."""

from tests.unit.inventory.aws.awsgate import account, aws_env, moto_url, policy_account

__all__ = ["account", "aws_env", "moto_url", "policy_account"]
