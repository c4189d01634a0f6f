"""A bounded in-process memory of answers that are expensive to work out (signatures, verdicts)."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app


class Memory:
    """Answers remembered for the last `size` questions (least recently asked forgotten first). Each
    question names everything its answer depends on, so an answer never goes stale: a changed document,
    key or revocation is a new question. Nothing has to be told to forget, so every worker and host
    stays right with its own memory."""

    _MISSING = object()

    def __init__(self, size: int):
        self.size = size
        self._answers: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, question: Hashable, default=None):
        with self._lock:
            if question not in self._answers:
                return default
            self._answers.move_to_end(question)
            return self._answers[question]

    def put(self, question: Hashable, answer) -> None:
        with self._lock:
            self._answers[question] = answer
            self._answers.move_to_end(question)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def forget_where(self, stale: Callable[[Hashable], bool]) -> None:
        """Forget the answers to the questions `stale` picks: those that can never be asked again."""
        with self._lock:
            for question in [question for question in self._answers if stale(question)]:
                del self._answers[question]

    def answer(self, question: Hashable, work_out: Callable[[], object]):
        found = self.get(question, self._MISSING)
        if found is self._MISSING:
            found = work_out()  # outside the lock: canonicalisation takes tens of milliseconds
            self.put(question, found)
        return found


def app_memory(name: str, size: int) -> Memory:
    """The app's own memory called `name`: one per app, so one per worker process, and a new app (each test's)
    starts with an empty one rather than answers about another database."""
    memories = current_app.extensions.setdefault("enshu_memories", {})
    found = memories.get(name)
    if found is None:
        found = memories.setdefault(name, Memory(size))
    return found
