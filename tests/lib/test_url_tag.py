"""The {% url %} tag (sendfund.templatetags.sendfund): the URL Django's own tag gives, for
every kind of argument, with each URL's shape remembered after its first use."""

import uuid

import pytest
from django.template import Context, Template, engines
from django.urls import NoReverseMatch, reverse, set_script_prefix

from sendfund.templatetags import sendfund as tags

ID_A = uuid.UUID("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
ID_B = uuid.UUID("12345678-9abc-def0-1234-56789abcdef0")


def _render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_the_tag_is_the_projects_own_and_gives_what_reverse_gives():
    assert isinstance(Template("{% url 'pupils:detail' id %}").nodelist[0], tags.ShapedURLNode)
    for name in ("pupils:detail", "pupils:assignment_edit", "advocacy:request_pack"):
        # The same shape serves two different ids, each in its own place.
        assert _render(f"{{% url '{name}' id %}}", id=ID_A) == reverse(name, args=[ID_A])
        assert _render(f"{{% url '{name}' id %}}", id=ID_B) == reverse(name, args=[ID_B])
    assert _render("{% url 'home' %}") == reverse("home")
    assert _render("{% url 'pupils:need_end' id rank %}", id=ID_A, rank=2) == reverse(
        "pupils:need_end", args=[ID_A, 2]
    )


def test_shapes_are_remembered_and_other_arguments_go_to_djangos_tag(monkeypatch):
    tags._SHAPES.clear()
    _render("{% url 'pupils:detail' id %}", id=ID_A)
    assert list(tags._SHAPES.values()) == [
        reverse("pupils:detail", args=[ID_A]).replace(str(ID_A), "{0}")
    ]
    calls = []
    monkeypatch.setattr(tags, "_shape", lambda *a: calls.append(a))
    assert _render("{% url 'pupils:detail' id %}", id=ID_B) == reverse("pupils:detail", args=[ID_B])
    assert calls == []  # served from the remembered shape
    # A string id, keyword arguments and "as": Django's own tag, same answers.
    assert _render("{% url 'pupils:detail' id %}", id=str(ID_A)) == reverse(
        "pupils:detail", args=[ID_A]
    )
    assert _render("{% url 'pupils:detail' public_id=id %}", id=ID_A) == reverse(
        "pupils:detail", args=[ID_A]
    )
    assert _render("{% url 'pupils:detail' id as link %}[{{ link }}]", id=ID_A) == (
        f"[{reverse('pupils:detail', args=[ID_A])}]"
    )


def test_a_wrong_argument_still_fails_as_djangos_tag_does():
    with pytest.raises(NoReverseMatch):
        _render("{% url 'pupils:detail' id %}", id=7)  # an int where a UUID belongs
    with pytest.raises(NoReverseMatch):
        _render("{% url 'pupils:detail' %}")
    with pytest.raises(NoReverseMatch):
        _render("{% url 'pupils:detail' id %}", id=-1)


def test_the_script_prefix_is_part_of_the_shape():
    plain = _render("{% url 'pupils:detail' id %}", id=ID_A)
    set_script_prefix("/sendfund/")
    try:
        assert _render("{% url 'pupils:detail' id %}", id=ID_A) == "/sendfund" + plain
    finally:
        set_script_prefix("/")
    assert _render("{% url 'pupils:detail' id %}", id=ID_A) == plain


def test_autoescape_applies_as_in_djangos_tag():
    html = Template("{% url 'pupils:detail' id %}").render(Context({"id": ID_A}))
    assert html == reverse("pupils:detail", args=[ID_A])


def test_url_shape_gives_the_tags_shape_for_links_written_in_python():
    shape = tags.url_shape("pupils:detail", ID_A)
    assert shape.format(ID_A) == reverse("pupils:detail", args=[ID_A])
    assert shape.format(ID_B) == reverse("pupils:detail", args=[ID_B])
    assert tags.url_shape("pupils:need_end", ID_A, 2).format(ID_B, 3) == reverse(
        "pupils:need_end", args=[ID_B, 3]
    )
    with pytest.raises(NoReverseMatch):
        tags.url_shape("pupils:detail", 7)  # the page takes a UUID, not a number
