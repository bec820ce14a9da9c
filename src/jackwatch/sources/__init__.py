"""Event sources: each turns one kind of input into a stream of :class:`~jackwatch.model.Event`."""
