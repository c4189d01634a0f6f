"""Refusals that carry a reason code: services stay language-free, and the page or CLI that shows
the reason turns the code into words."""


class ReasonError(Exception):
    @property
    def code(self) -> str:
        return self.args[0]
