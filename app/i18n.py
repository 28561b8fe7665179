"""Chinese first, English available: the reader's language and messages translated into it.

The catalogue itself (English → zh-CN) is `app.catalogue_zh.ZH`.

The language is the session's choice (set by /lang/<code>), else the browser's
(Accept-Language), else DEFAULT_LANGUAGE (for programs stating none: English).
Messages built from values (errors) are `Text`s, translated when shown.
"""

import click
from flask import current_app, has_request_context, request, session

from .catalogue_zh import ZH

LANGUAGES = ("zh", "en")


def language_option(help: str):
    """Return a command's --lang option: zh (the default) or en."""
    return click.option("--lang", type=click.Choice(LANGUAGES), default="zh", show_default=True, help=help)


def language(*, default: str | None = None) -> str:
    """Return the reader's language: the session's choice, else the browser's (Accept-Language).

    A reader who states neither gets `default`, else DEFAULT_LANGUAGE.
    """
    lang = session.get("lang")
    if lang is None and has_request_context() and request.accept_languages:
        lang = request.accept_languages.best_match(LANGUAGES)
    lang = lang or default or current_app.config["DEFAULT_LANGUAGE"]
    return lang if lang in LANGUAGES else "zh"


def gettext(message: str) -> str:
    """Return `message` in the current language."""
    return ZH.get(message, message) if language() == "zh" else message


class Text:
    """A sentence translated when it is shown: an English template (a key of ZH) and its values.

    Values may be Texts themselves (a parameter's expected values, the kind of thing not found);
    ``str()`` gives the English, for logs and programs that read the message.
    """

    def __init__(self, template: str, **values):
        self.template = template
        self.values = values

    def render(self, lang: str) -> str:
        """Return the sentence in `lang`."""
        template = ZH.get(self.template, self.template) if lang == "zh" else self.template
        values = {k: v.render(lang) if isinstance(v, Text) else v for k, v in self.values.items()}
        return template.format(**values)

    def __str__(self) -> str:
        return self.render("en")

    def __repr__(self) -> str:
        return f"Text({self.template!r}, **{self.values!r})"


def translated(message: "str | Text", lang: str) -> str:
    """Return a message (a Text, or a catalogue key) in `lang`."""
    if isinstance(message, Text):
        return message.render(lang)
    return ZH.get(message, message) if lang == "zh" else message
