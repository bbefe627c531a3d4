"""im.department.employees.get against its documentation (platform.md §6): one test per check."""

from b24conform.plugin import assert_conforms

METHOD = "im.department.employees.get"


def test_im_department_employees_get(b24_outcome, b24_check):
    assert_conforms(b24_outcome, METHOD, b24_check)
