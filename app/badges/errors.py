"""What the badge services refuse to do; views turn these into messages, the CLI into errors."""


class BadgeError(Exception):
    pass


class IssuerExists(BadgeError):
    """The organization has an issuer profile already."""


class KeysCannotRotate(BadgeError):
    """A did:key issuer's identifier is its key; a new key would be a new issuer."""


class NotAwaitingApproval(BadgeError):
    pass


class AlreadyRevoked(BadgeError):
    pass


class ReasonRequired(BadgeError):
    pass
