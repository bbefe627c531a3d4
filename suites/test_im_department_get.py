"""im.department.get against the current docs page (or --b24-docs rev18): one test per check."""

from b24conform.plugin import assert_conforms

METHOD = "im.department.get"


def test_im_department_get(b24_outcome, b24_check):
    assert_conforms(b24_outcome, METHOD, b24_check)
