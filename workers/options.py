"""Options as typed data: the one way a job kind's options (and each processor's) are declared.

A schema is a pydantic model (:class:`OptionsSchema`); each field is one declaration::

    pixel_boost: Annotated[PixelBoost, Option("Pixel boost", choices=PIXEL_BOOSTS, help="...")] = PIXEL_BOOSTS.default
    enhance: Annotated[bool, Option("Enhance faces", models={True: (ENHANCER_MODEL,)}, prices={
        True: Price("preview with enhance", 2, "ISAMURAI_PRICE_PREVIEW_ENHANCE")})] = False

The field's type (an ``Enum`` of ``workers.choices``, ``bool``, a bounded number, or a tuple of
an enum for a multiple choice), its default, its bounds (``Field(ge=, le=)``) and the
:class:`Option` beside it (label, help, the models a value needs, what a value costs) are all
there is to know about it. The API's request fields and OpenAPI (``apps/core/options.py``), the
console's form fields and the values its script needs, the required-model check before any
charge (:func:`required_models`) and the pipeline's typed options are derived from it.

Why pydantic v2 rather than dataclasses: a schema is validated and converted (``"fps"`` ->
``SlowMotionMode.FPS``, ``"box,occlusion"`` -> a tuple of ``FaceMaskType``) in one call with
errors per field, schemas compose by inheritance (a face swap's options are its own fields plus
each registered processor's), ``Annotated`` metadata carries our :class:`Option` next to the
type, and the JSON a job stores is ``model_dump(mode="json")``. This module imports pydantic
and the choices only (no numpy, OpenCV or ONNX): the web process reads every schema.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic.fields import FieldInfo

from workers.choices import OptionChoices
from workers.errors import PipelineError

SchemaT = TypeVar("SchemaT", bound="OptionsSchema")


class PriceSettingError(ValueError):
    """An ``ISAMURAI_PRICE_*`` variable that is not a whole, non-negative number of credits."""


@dataclass(frozen=True)
class Price:
    """One figure of a price list: whole credits, overridable by the operator through the
    environment variable ``env`` (read when a price is computed, so no table in settings). The
    one price type: a kind's base prices (its ``pricing.py``, registered with its JobKindSpec)
    and the prices an option's values declare (``Option(prices=...)``) are both ``Price``."""

    label: str  # what it prices, for people: "per second of input at 2x"
    default: int
    env: str

    def credits(self) -> int:
        raw = os.environ.get(self.env, "").strip()
        if not raw:
            return self.default
        try:
            value = int(raw)
        except ValueError:
            raise PriceSettingError(f"{self.env}={raw!r} is not a whole number of credits") from None
        if value < 0:
            raise PriceSettingError(f"{self.env}={raw!r}: a price can't be negative")
        return value


@dataclass(frozen=True)
class Option:
    """What a schema field says besides its type, default and bounds.

    ``models``: value -> the model weights that value needs (for a multiple choice, each chosen
    member is looked up). ``prices``: value -> :class:`Price` (how a kind reads it is the kind's:
    a slow-motion factor is a rate per second, a preview's options the highest price chosen).
    ``public=False``: set by the server from what it found (a job's media type), never a request
    field. ``commercial_default``: the default instead of the field's when the server runs in
    commercial mode (``ISAMURAI_COMMERCIAL``), a value whose models all allow commercial use
    (None: the field's default stays); see :meth:`OptionField.default_for`.
    ``when``: the name of a boolean field of the same schema that switches this option on
    (``enhance_model`` counts only with ``enhance``): while it is false the option's models and
    prices don't count; a schema without that field always counts them (restore always enhances).
    """

    label: str
    help: str = ""
    choices: OptionChoices | None = None
    models: Mapping[Any, tuple[str, ...]] = field(default_factory=dict)
    prices: Mapping[Any, Price] = field(default_factory=dict)
    public: bool = True
    commercial_default: Any = None
    when: str | None = None


@dataclass(frozen=True)
class OptionField:
    """One field of a schema as the derived layers see it."""

    name: str
    kind: type  # bool, int, float, str, or the Enum of a choice
    default: Any
    option: Option
    many: bool = False  # a tuple of choices (any of the values, at least one)
    minimum: float | None = None
    maximum: float | None = None

    @property
    def choices(self) -> OptionChoices | None:
        return self.option.choices

    def default_for(self, *, commercial: bool) -> Any:
        """The default a request gets: ``commercial_default`` in commercial mode when declared."""
        if commercial and self.option.commercial_default is not None:
            return self.option.commercial_default
        return self.default

    def values(self) -> list[Any]:
        """The values a request can choose (a choice's members, a bool's two), for the licence filter."""
        if self.choices is not None:
            return list(self.choices)
        return [False, True] if self.kind is bool else []

    def models_of(self, value: Any) -> list[str]:
        """The models ``value`` needs (each member's, for a multiple choice), each once."""
        return list(dict.fromkeys(model for member in _chosen(value) for model in self.option.models.get(member, ())))


class OptionsSchema(BaseModel):
    """Base of every options schema: frozen, unknown keys ignored (a stored job may hold keys of
    an option since removed), choice values read as people write them."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for spec in option_fields(cls, public_only=False):  # a priced choice prices every value
            if spec.option.prices and spec.choices:
                unpriced = [value for value in spec.choices if value not in spec.option.prices]
                if unpriced:
                    raise TypeError(f"{cls.__name__}.{spec.name}: no Price for {unpriced}")
            fallback = spec.option.commercial_default
            if fallback is not None and spec.choices and fallback not in spec.choices:
                raise TypeError(f"{cls.__name__}.{spec.name}: commercial_default {fallback!r} is not a choice")

    @field_validator("*", mode="before")
    @classmethod
    def _choice_words(cls, value: Any, info) -> Any:
        option = _option_of(cls.model_fields[info.field_name])
        if option is None or option.choices is None or value is None:
            return value
        if _is_many(cls.model_fields[info.field_name].annotation):
            items = value.split(",") if isinstance(value, str) else list(value)
            members = tuple(dict.fromkeys(option.choices.parse(item) for item in items if str(item).strip()))
            if not members:
                raise ValueError(option.choices.invalid_message(value))
            return members
        return option.choices.parse(value)


def _option_of(info: FieldInfo) -> Option | None:
    return next((item for item in info.metadata if isinstance(item, Option)), None)


def _bounds(info: FieldInfo) -> tuple[Any, Any]:
    """A field's ``Field(ge=, le=)`` (pydantic keeps them as metadata items with ``ge`` / ``le``)."""
    minimum = next((item.ge for item in info.metadata if hasattr(item, "ge")), None)
    maximum = next((item.le for item in info.metadata if hasattr(item, "le")), None)
    return minimum, maximum


def _is_many(annotation: Any) -> bool:
    return get_origin(annotation) is tuple


def option_fields(schema: type[OptionsSchema], *, public_only: bool = True) -> list[OptionField]:
    """The schema's declared options in declaration order (bases first)."""
    found = []
    for name, info in schema.model_fields.items():
        option = _option_of(info)
        if option is None or (public_only and not option.public):
            continue
        annotation = info.annotation
        many = _is_many(annotation)
        kind = get_args(annotation)[0] if many else annotation
        minimum, maximum = _bounds(info)
        found.append(OptionField(name=name, kind=kind, default=info.default, option=option, many=many,
                                 minimum=minimum, maximum=maximum))
    return found


def options_parse(schema: type[SchemaT], values: SchemaT | Mapping[str, Any] | None = None,
                  **more: Any) -> SchemaT:
    """The schema object of ``values`` (a mapping of field names, or the object itself); a bad
    value raises the workers' :class:`PipelineError` with one sentence naming the option. Keys
    holding None keep their defaults."""
    if isinstance(values, schema) and not more:
        return values
    given = values.model_dump() if isinstance(values, BaseModel) else dict(values or {})
    given.update(more)
    try:
        return schema.model_validate({name: value for name, value in given.items() if value is not None})
    except ValidationError as exc:
        raise PipelineError(_sentence(schema, exc)) from None


def _sentence(schema: type[OptionsSchema], exc: ValidationError) -> str:
    error = exc.errors()[0]
    name = str(error["loc"][0]) if error["loc"] else ""
    if error["type"] == "value_error":  # the choices' own wording (OptionChoices.invalid_message)
        return str(error["ctx"]["error"])
    info = schema.model_fields.get(name)
    minimum, maximum = _bounds(info) if info else (None, None)
    if minimum is not None and maximum is not None:
        return f"{name} must be between {minimum} and {maximum}."
    return f"{name}: {error['msg']}."


def _chosen(value: Any) -> tuple:
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def _switched_on(options: OptionsSchema, option: Option) -> bool:
    return option.when is None or bool(getattr(options, option.when, True))


def required_models(options: OptionsSchema) -> list[str]:
    """Every model the chosen values need, in declaration order, each once."""
    names: dict[str, None] = {}
    for spec in option_fields(type(options), public_only=False):
        if not spec.option.models or not _switched_on(options, spec.option):
            continue
        for value in _chosen(getattr(options, spec.name)):
            for model in spec.option.models.get(value, ()):
                names[model] = None
    return list(names)


def chosen_prices(options: OptionsSchema) -> list[Price]:
    """The :class:`Price` of each chosen value that has one."""
    return [spec.option.prices[value] for spec in option_fields(type(options), public_only=False)
            if spec.option.prices and _switched_on(options, spec.option)
            for value in _chosen(getattr(options, spec.name)) if value in spec.option.prices]


def option_price(schema: type[OptionsSchema], name: str, value: Any) -> Price:
    """The price ``value`` of option ``name`` is declared with (KeyError names a value without one)."""
    spec = next(spec for spec in option_fields(schema, public_only=False) if spec.name == name)
    return spec.option.prices[spec.choices.parse(value) if spec.choices else value]


def json_value(value: Any) -> Any:
    """A value as JSON holds it (an enum as its value, a tuple as a list)."""
    if isinstance(value, tuple):
        return [json_value(item) for item in value]
    return value.value if isinstance(value, Enum) else value


def option_licence_refusal(spec: OptionField, value: Any, refusal: Callable[[str], str | None]) -> str | None:
    """The 400's sentence when ``value`` of option ``spec`` needs a model the server may not run
    (``refusal``: model name -> why not, None when it may; see workers/model_zoo/licences.py),
    naming the option, the value, the model and its licence, and the values it may choose."""
    for model in spec.models_of(value):
        why = refusal(model)
        if why is None:
            continue
        usable = [json_value(other) for other in spec.values() if option_value_usable(spec, other, refusal)]
        choose = (f" Choose {spec.name} from: {', '.join(map(_spoken, usable))}."
                  if usable and spec.kind is not bool else "")
        return f"{spec.name}={_spoken(value)} is not available: {why}.{choose}"
    return None


def _spoken(value: Any) -> str:
    """A value as a request writes it: true, 512, box,occlusion."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return ",".join(str(json_value(item)) for item in _chosen(value))


def option_value_usable(spec: OptionField, value: Any, refusal: Callable[[str], str | None]) -> bool:
    return all(refusal(model) is None for model in spec.models_of(value))
