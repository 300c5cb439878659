"""The HTTP side of the options schemas (``workers/options.py``): request fields, OpenAPI, console
form fields and the console script's data, all derived from a schema, never declared again.

* :class:`OptionsSerializer`: a DRF serializer whose option fields are the schema's public fields
  (added per instance, so a processor registered later shows up too); a bad value is a 400 naming
  the field and what it takes (``OptionChoices.invalid_message``); :meth:`OptionsSerializer.options`
  turns the validated values into the schema object once (enums from here on).
* :func:`option_form_fields` / :func:`console_options_data`: the console's fields and the JSON its
  script reads (names, kinds, defaults).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from workers.choices import OptionChoices
from workers.options import (
    OptionField,
    OptionsSchema,
    json_value,
    option_fields,
    option_licence_refusal,
    option_value_usable,
    options_parse,
)

from .licences import model_refusal

SchemaGetter = Callable[[], type[OptionsSchema]]


def option_default(spec: OptionField) -> Any:
    """The default a request gets here: the option's ``commercial_default`` in commercial mode."""
    return spec.default_for(commercial=settings.ISAMURAI_COMMERCIAL)


def options_licence_errors(specs: Iterable[OptionField], values: Mapping[str, Any]) -> dict[str, str]:
    """Option name -> the 400's sentence, for each chosen value that needs a model commercial mode
    refuses (every schema, every option declaring ``models``; checked before any charge)."""
    refusal = model_refusal()
    errors = {}
    for spec in specs:
        if spec.option.models and spec.name in values:
            sentence = option_licence_refusal(spec, values[spec.name], refusal)
            if sentence:
                errors[spec.name] = sentence
    return errors


class ChoiceListField(serializers.Field):
    """A multiple choice: a JSON list, repeated multipart fields, or ``"box,occlusion"``."""

    def __init__(self, *, choices: OptionChoices, **kwargs: Any) -> None:
        self.option_choices = choices
        kwargs["error_messages"] = {"invalid_choice": choices.invalid_message(), **kwargs.get("error_messages", {})}
        super().__init__(**kwargs)

    def get_value(self, dictionary: Mapping[str, Any]) -> Any:
        if hasattr(dictionary, "getlist") and self.field_name in dictionary:
            values = dictionary.getlist(self.field_name)
            return values if len(values) > 1 else values[0]
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> tuple:
        items = data.split(",") if isinstance(data, str) else data
        if not isinstance(items, list | tuple):
            self.fail("invalid_choice", input=data)
        members = []
        for item in (str(item).strip() for item in items):
            if not item:
                continue
            try:
                members.append(self.option_choices.parse(item))
            except ValueError:
                self.fail("invalid_choice", input=item)
        if not members:
            self.fail("invalid_choice", input=data)
        return tuple(dict.fromkeys(members))

    def to_representation(self, value: Any) -> list:
        return json_value(tuple(value))


class ChoiceListFieldSchema(OpenApiSerializerFieldExtension):
    """OpenAPI of a :class:`ChoiceListField`: an array of its enum."""

    target_class = ChoiceListField

    def map_serializer_field(self, auto_schema, direction):
        values = [str(value) for value in self.target.option_choices]
        return {"type": "array", "items": {"type": "string", "enum": values}}


def option_serializer_field(spec: OptionField, *, required: bool = False) -> serializers.Field:
    """The DRF field of one option (``required``: the request must send it; else its default)."""
    common: dict[str, Any] = {"help_text": spec.option.help or None, "required": required}
    default = option_default(spec)
    if not required:
        common["default"] = json_value(default) if spec.many else default
    if spec.choices is not None and spec.many:
        if not required:
            common["default"] = list(default)
        return ChoiceListField(choices=spec.choices, **common)
    if spec.choices is not None:
        return serializers.ChoiceField(choices=spec.choices.pairs(), **common,
                                       error_messages={"invalid_choice": spec.choices.invalid_message()})
    if spec.kind is bool:
        return serializers.BooleanField(**common)
    bounds = {"min_value": spec.minimum, "max_value": spec.maximum}
    if spec.kind is int:
        return serializers.IntegerField(**common, **bounds)
    if spec.kind is float:
        return serializers.FloatField(**common, **bounds)
    return serializers.CharField(**common)


class OptionsSerializer(serializers.Serializer):
    """A request serializer with a schema's public options as fields (besides its own).

    Subclasses set ``options_schema`` (a function answering the schema: a kind's may grow
    with the registered processors), and may list ``options_required`` (sent, no default) and
    ``options_excluded`` (not taken by this endpoint)."""

    options_schema: ClassVar[SchemaGetter]
    options_required: ClassVar[tuple[str, ...]] = ()
    options_excluded: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def option_specs(cls) -> list[OptionField]:
        return [spec for spec in option_fields(cls.options_schema()) if spec.name not in cls.options_excluded]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for spec in self.option_specs():
            fields.setdefault(spec.name, option_serializer_field(spec, required=spec.name in self.options_required))
        return fields

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # Here rather than in validate(), which endpoints override for their own fields.
        attrs = super().to_internal_value(data)
        errors = options_licence_errors(self.option_specs(), attrs)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def options(self, **facts: Any) -> OptionsSchema:
        """The validated options as the schema object (``facts``: the server's own fields)."""
        values = self.validated_data
        return options_parse(self.options_schema(), {spec.name: values[spec.name] for spec in self.option_specs()
                                                     if spec.name in values}, **facts)


def option_form_field(spec: OptionField) -> forms.Field:
    """The console's form field of one option (unset = the option's default). In commercial mode
    a choice offers only the values whose models may run here, and a switch whose "on" needs a
    refused model is disabled."""
    label, help_text, default = spec.option.label, "", option_default(spec)
    refusal = model_refusal()
    pairs = [(value, text) for value, text in spec.choices.pairs()
             if option_value_usable(spec, value, refusal)] if spec.choices is not None else []
    if spec.choices is not None and spec.many:
        return forms.TypedMultipleChoiceField(
            choices=pairs, coerce=spec.choices.parse, required=False, label=label,
            initial=[value for value in default if value in dict(pairs)], widget=forms.CheckboxSelectMultiple)
    if spec.choices is not None:
        return forms.TypedChoiceField(choices=pairs, coerce=spec.choices.parse, required=False,
                                      initial=default, label=label, empty_value=default)
    if spec.kind is bool:
        disabled = not option_value_usable(spec, True, refusal)
        if disabled:
            help_text = "Not available on this server: its model's licence does not allow commercial use."
        return forms.BooleanField(required=False, label=label, help_text=help_text, disabled=disabled)
    bounds = {"min_value": spec.minimum, "max_value": spec.maximum}
    if spec.kind is int:
        return forms.IntegerField(required=False, initial=default, label=label, **bounds)
    if spec.kind is float:
        return forms.FloatField(required=False, initial=default, label=label, **bounds)
    return forms.CharField(required=False, initial=default, label=label)


def option_form_fields(specs: Iterable[OptionField]) -> dict[str, forms.Field]:
    return {spec.name: option_form_field(spec) for spec in specs}


def options_from_form(schema: type[OptionsSchema], specs: Iterable[OptionField], cleaned: Mapping[str, Any],
                      **facts: Any) -> OptionsSchema:
    """The schema object of a console form's values; an unset option keeps its default (its
    commercial one in commercial mode)."""
    return options_parse(schema, {spec.name: cleaned.get(spec.name) if cleaned.get(spec.name) not in (None, "", [], ())
                                  else option_default(spec) for spec in specs}, **facts)


def _kind_word(spec: OptionField) -> str:
    if spec.choices is not None:
        return "choices" if spec.many else "choice"
    return "bool" if spec.kind is bool else "number" if spec.kind in (int, float) else "text"


def console_options_data(specs: Iterable[OptionField]) -> list[dict[str, Any]]:
    """What the console script needs to send a form's options to the JSON API."""
    return [{"name": spec.name, "kind": _kind_word(spec),
             "default": json_value(option_default(spec))}
            for spec in specs]


class OptionsForm(forms.Form):
    """A console form whose option fields are a schema's public fields, none declared on the
    form; ``options()`` answers the schema object. ``options_required`` must be chosen. Each
    kind's pages (``apps/<kind>/forms.py``) build theirs on it."""

    options_excluded: tuple[str, ...] = ()
    options_required: tuple[str, ...] = ()

    @staticmethod
    def options_schema() -> type[OptionsSchema]:
        raise NotImplementedError

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.option_specs = [spec for spec in option_fields(self.options_schema())
                             if spec.name not in self.options_excluded]
        self.fields.update(option_form_fields(self.option_specs))
        for name in self.options_required:
            self.fields[name].required = True
        self.order_fields(self.field_order)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name, sentence in options_licence_errors(self.option_specs, cleaned).items():
            self.add_error(name, sentence)
        return cleaned

    def options(self, **facts) -> OptionsSchema:
        return options_from_form(self.options_schema(), self.option_specs, self.cleaned_data, **facts)
