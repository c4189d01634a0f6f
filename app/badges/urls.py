"""Absolute URLs of badge documents, built from the configured public base URL, so they are right
also when no request is active (issuing from a signal, the CLI). Views register these same paths."""


class BadgeUrls:
    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")

    def issuer(self, issuer_id: int) -> str:
        return f"{self.base}/badges/issuers/{issuer_id}"

    def key(self, issuer_id: int, fragment: str) -> str:
        return f"{self.issuer(issuer_id)}#{fragment}"

    def status_list(self, issuer_id: int) -> str:
        return f"{self.base}/badges/issuers/{issuer_id}/status/revocation"

    def achievement(self, achievement_id: int) -> str:
        return f"{self.base}/badges/achievements/{achievement_id}"

    def achievement_image(self, achievement_id: int) -> str:
        return f"{self.base}/badges/achievements/{achievement_id}/image.svg"

    def public_page(self, uuid: str) -> str:
        return f"{self.base}/c/{uuid}"

    def evidence(self, uuid: str, exercise_slug: str) -> str:
        return f"{self.base}/c/{uuid}/evidence/{exercise_slug}"

    def ob2_issuer(self, issuer_id: int) -> str:
        return f"{self.base}/badges/ob2/issuers/{issuer_id}"

    def ob2_badge_class(self, achievement_id: int) -> str:
        return f"{self.base}/badges/ob2/badgeclasses/{achievement_id}"

    def ob2_assertion(self, uuid: str) -> str:
        return f"{self.base}/badges/ob2/assertions/{uuid}"
