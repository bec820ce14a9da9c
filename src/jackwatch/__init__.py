"""jackwatch: find LLMjacking and the weak points that let it happen."""

__version__ = "0.1.0"
