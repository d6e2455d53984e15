"""{% sort_header %}: a sortable column heading, its order for screen readers and sighted
readers, and the link that sorts by it (the register and the trust view)."""

from django.template import Context, Template


def _heading(tag: str, **context) -> str:
    return Template(tag).render(Context(context))


def test_a_heading_links_to_its_order_and_says_which_order_is_shown():
    tag = '{% sort_header "year" "Year" query=query %}'
    assert _heading(tag, sort="name", query="") == (
        '<th scope="col" aria-sort="none"><a href="?sort=year">Year</a></th>'
    )
    # Sorted by it: the link turns the order round, and the arrow shows the order.
    assert _heading(tag, sort="year", query="status=K&q=ada") == (
        '<th scope="col" aria-sort="ascending"><a href="?status=K&amp;q=ada&amp;sort=-year">'
        'Year</a> <span aria-hidden="true">▲</span></th>'
    )
    assert _heading(tag, sort="-year", query="") == (
        '<th scope="col" aria-sort="descending"><a href="?sort=year">Year</a>'
        ' <span aria-hidden="true">▼</span></th>'
    )


def test_a_column_read_largest_first_sorts_descending_first():
    tag = '{% sort_header "cost" "Annual cost" th_class="num" descending_first=True %}'
    assert _heading(tag, sort="name") == (
        '<th scope="col" class="num" aria-sort="none"><a href="?sort=-cost">Annual cost</a></th>'
    )
    assert 'href="?sort=cost"' in _heading(tag, sort="-cost")
    assert 'href="?sort=-cost"' in _heading(tag, sort="cost")


def test_the_label_and_the_query_are_escaped():
    heading = _heading(
        "{% sort_header key label query=query %}",
        key="name",
        label="<b>Name</b>",
        query='q="x"&y=<z>',
        sort="",
    )
    assert "&lt;b&gt;Name&lt;/b&gt;" in heading
    assert 'href="?q=&quot;x&quot;&amp;y=&lt;z&gt;&amp;sort=name"' in heading
