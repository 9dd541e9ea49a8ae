"""The first stage: the source folder read and checked into the domain model (:mod:`.reader`)."""
