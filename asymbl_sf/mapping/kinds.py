"""The kinds of payload a mapping object can be made for (``for:`` in a mapping file).

Each kind names its root canonical model (what ``from`` paths and template placeholders are
checked against, and what ``$.`` means) and the ``ref`` placeholders the write flow of that kind
resolves. A new kind is one more entry in :data:`KINDS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from asymbl_sf.models.canonical import Activity, Application


@dataclass(frozen=True)
class PayloadKind:
    #: What ``for:`` says; also the ``from`` of an object made from the payload itself.
    name: str
    #: The canonical model a payload of this kind is parsed into.
    model: type[BaseModel]
    #: Placeholders the flow resolves to record ids (besides the keys of same-kind objects).
    refs: tuple[str, ...]


#: ``for:`` value of an object that does not say.
DEFAULT_KIND = "application"

KINDS: dict[str, PayloadKind] = {
    kind.name: kind
    for kind in (
        PayloadKind("application", Application, ("job", "stage", "user")),
        # Contact: the candidate's Contact; application: the applicant record (when the activity
        # names one); user: the Salesforce User the activity's ``user`` resolves to.
        PayloadKind("activity", Activity, ("Contact", "application", "user")),
    )
}

#: ``kind → root model``, e.g. ``{"application": Application, "activity": Activity}``.
ROOT_MODELS: dict[str, type[BaseModel]] = {name: kind.model for name, kind in KINDS.items()}


def article(kind: str) -> str:
    """``an application``, ``a job``."""
    return f"{'an' if kind[:1].lower() in 'aeiou' else 'a'} {kind}"


#: ``type → kind name``, filled as payloads are seen: ``isinstance`` against pydantic's
#: metaclass is slow, and every render asks.
_KIND_OF_TYPE: dict[type, str] = {}


def kind_of(payload: object) -> str:
    """The kind whose model ``payload`` is an instance of; ``TypeError`` when none is."""
    found = _KIND_OF_TYPE.get(type(payload))
    if found is not None:
        return found
    for name, kind in KINDS.items():
        if isinstance(payload, kind.model):
            _KIND_OF_TYPE[type(payload)] = name
            return name
    known = ", ".join(k.model.__name__ for k in KINDS.values())
    raise TypeError(f"cannot render a {type(payload).__name__}; a payload is one of: {known}")
