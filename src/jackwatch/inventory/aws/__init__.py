"""The AWS inventory for posture checks: IAM principals with their keys and effective Bedrock permissions, Bedrock
invocation logging and guardrails per region, CloudTrail trails, read through boto3.

:func:`collect_aws` reads an account into an :class:`AwsInventory` (partial when calls are refused, never a crash);
:func:`aws_assets` turns it into assets with refs ``aws://<account>/<region>/<arn>``.
"""

from jackwatch.inventory.aws.assets import aws_assets
from jackwatch.inventory.aws.collect import check_regions, collect_aws
from jackwatch.inventory.aws.model import AwsInventory

__all__ = ["AwsInventory", "aws_assets", "check_regions", "collect_aws"]
