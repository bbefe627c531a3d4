"""im.department.colleagues.list against its documentation (platform.md §6): one test per check."""

from b24conform.plugin import assert_conforms

METHOD = "im.department.colleagues.list"


def test_im_department_colleagues_list(b24_outcome, b24_check):
    assert_conforms(b24_outcome, METHOD, b24_check)
