"""Asset collectors: what is installed where (Python environments, images, SBOMs, lock files)."""
