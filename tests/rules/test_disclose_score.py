"""services.yaml's disclose_score: off unless a service says true; anything else is a file:line error."""
from rules.loader import load_policy
from tests.rules.test_loader import problems_of

SERVICE = ("services:\n  school_admission:\n    name: {{zh-hans: 学校, en: School}}\n{extra}    effects:\n"
           "      A: {{decision: priority}}\n      B: {{decision: allowed}}\n"
           "      C: {{decision: allowed}}\n      D: {{decision: review}}\n")


def test_disclose_score_true_is_read(write_policy):
    policy = load_policy(write_policy(services_yaml=SERVICE.format(extra="    disclose_score: true\n")))
    assert policy.services["school_admission"].disclose_score is True
    policy.close()


def test_a_bad_disclose_score_points_into_the_file(write_policy):
    services = SERVICE.format(extra="    disclose_score: yes please\n")
    assert problems_of(write_policy, services_yaml=services) == [
        "services.yaml:4:21: error: 'disclose_score' in service 'school_admission' must be true or false, "
        "not a string",
    ]
