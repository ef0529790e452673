"""The template behind a pattern, live: the settings a learner explores become the fragment of
an AWS CloudFormation / AWS SAM template they would deploy.

:class:`TemplateView` pairs a function ``build(**values) -> labkit.deploy.Template`` with
controls (the same specs as :class:`labkit.ui.Explorer`); ``static()`` prints the fragment at the
defaults, ``widget()`` re-renders it on every change. :func:`show_template` prints one template's
fragment, how it would be deployed (the lab never deploys) and what it is billed for. A setting
AWS cannot express shows the refusal, with the limit and its source, instead of a fragment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from labkit.ui.explorer import Control, time_calls

__all__ = ["TemplateView", "render_template", "show_template"]


def render_template(template: Any, resources: Sequence[str] = ()) -> str:
    """The fragment (``resources``, or all), the deploy command and the cost drivers as text.

    >>> from labkit.deploy import Template
    >>> t = Template("demo", "A queue", {"Queue": {"Type": "AWS::SQS::Queue",
    ...                                            "Properties": {"VisibilityTimeout": 4}}},
    ...              cost_drivers=("SQS: per million requests",))
    >>> print(render_template(t))  # doctest: +ELLIPSIS
    Resources:
      Queue:
        Type: AWS::SQS::Queue
        Properties:
          VisibilityTimeout: 4
    <BLANKLINE>
    Deploy (never run by the lab): aws cloudformation deploy --template-file template.yaml ...
    Cost drivers:
      - SQS: per million requests
    """
    from labkit.deploy import Template

    if not isinstance(template, Template):
        raise TypeError(f"template must be a labkit.deploy.Template, got "
                        f"{type(template).__name__}")
    lines = [template.fragment(*resources), f"Deploy (never run by the lab): "
             f"{template.deploy_command()}", "Cost drivers:"]
    lines += [f"  - {d}" for d in template.cost_drivers]
    return "\n".join(lines)


def show_template(template: Any, *resources: str) -> None:
    """Print :func:`render_template` for ``template``."""
    print(render_template(template, resources))


class TemplateView:
    """A template fragment that follows its controls.

    Parameters
    ----------
    build : callable
        ``build(**values) -> labkit.deploy.Template``.
    controls : mapping
        ``name -> spec`` as for :class:`labkit.ui.Explorer`.
    resources : sequence of str
        Logical ids to show (default: every resource).

    Examples
    --------
    >>> from labkit.deploy import Template
    >>> def build(visibility_s):
    ...     return Template("demo", "q", {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {
    ...         "VisibilityTimeout": visibility_s}}})
    >>> view = TemplateView(build, {"visibility_s": ("Visibility (s)", 30, 0, 300, 10)})
    >>> "VisibilityTimeout: 60" in view.render(visibility_s=60)
    True
    """

    def __init__(self, build: Callable[..., Any], controls: Mapping[str, Any], *,
                 resources: Sequence[str] = ()) -> None:
        if not callable(build):
            raise TypeError("build must be callable: build(**values) -> Template")
        if not controls:
            raise ValueError("controls must name at least one control")
        self.build = build
        self.controls = {name: Control.from_spec(name, spec) for name, spec in controls.items()}
        self.resources = tuple(resources)

    @property
    def defaults(self) -> dict[str, Any]:
        return {name: c.default for name, c in self.controls.items()}

    def render(self, **values: Any) -> str:
        """The text shown for ``values`` (defaults for the rest): the fragment, or the refusal
        when AWS could not express the settings."""
        from labkit.deploy import NotDeployable

        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; known: {list(self.controls)}")
        try:
            template = self.build(**{**self.defaults, **values})
        except NotDeployable as refusal:
            return f"Not deployable: {refusal}"
        return render_template(template, self.resources)

    def static(self, **values: Any) -> None:
        """Print the text at the defaults (or ``values``)."""
        print(self.render(**values))

    def widget(self) -> Any:
        """Controls above a text box that is re-rendered on every change."""
        import ipywidgets as w

        from labkit.ui.fallback import FallbackBox

        widgets = {name: c.widget() for name, c in self.controls.items()}
        out = w.interactive_output(lambda **v: print(self.render(**v)), widgets)
        return FallbackBox([w.VBox(list(widgets.values())), out],
                           note="Interactive template: open this notebook in JupyterLab or Binder "
                                "and run it to move the controls and regenerate the fragment; the "
                                "fragment above is generated from the defaults.")

    def time_update(self, repeats: int = 5, **values: Any) -> list[float]:
        """Seconds taken by ``repeats`` fragment updates (build + render)."""
        return time_calls(self.render, repeats, **values)
