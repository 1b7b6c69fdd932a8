"""schemathesis over the API's own OpenAPI schema: the schema is the truth.

Every operation is fed requests generated from the schema — its examples, the coverage
phase (each constraint's boundaries and its violations), and fuzzing in positive and
negative modes — and every response goes through all of schemathesis' checks: no server
error, a status and a content type the operation documents, a body that matches the
documented schema, schema-valid requests accepted, schema-invalid ones refused, 401 without
the token, 405 with Allow for a method the path does not take. The stateful test then follows
the schema's links (an upload to its run, the run list to a run, the ticket list to a
ticket) with the same checks.

Requests go to a live server (pytest-django's), as Acme's admin (a token), with
``org_slug`` pinned to Acme: random slugs would only ever reach the 404 of an organisation
nobody has. The run is bounded (MAX_EXAMPLES per operation, STATEFUL_SCENARIOS) so that the
suite stays within its time budget; raise them to search harder.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from datetime import datetime

from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st

from teamalign.orgs.services import api_token_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# Bounded for the suite; search harder with e.g. TEAMALIGN_SCHEMATHESIS_EXAMPLES=500 and another
# TEAMALIGN_SCHEMATHESIS_SEED (a fixed seed by default: the suite must not pass or fail by chance).
MAX_EXAMPLES = int(os.environ.get("TEAMALIGN_SCHEMATHESIS_EXAMPLES", 25))
STATEFUL_SCENARIOS = max(15, MAX_EXAMPLES // 2)
SEED = int(os.environ.get("TEAMALIGN_SCHEMATHESIS_SEED", 20260507))


# The API's own string format "as-of" (teamalign/api/params.py): a past instant in one of the
# forms the server reads. Without it schemathesis would draw a month 28 or a year 2999, which the
# pattern allows and the server refuses, and call the refusal a rejected valid request.
_PAST = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2025, 12, 31))
schemathesis.openapi.format("as-of", st.one_of(
    _PAST.map(lambda d: d.strftime("%Y-%m-%d")), _PAST.map(lambda d: d.strftime("%Y-%m-%d %H:%M")),
    _PAST.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")), _PAST.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S+01:00"))))


def config(token: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": SEED,
        # The caller's own credentials, so that the ignored_auth check knows them and tries the
        # request without them (and with a wrong token) to see a 401.
        "auth": {"openapi": {"TokenAuth": {"bearer": token}}},
        "suppress-health-check": ["too_slow", "data_too_large", "filter_too_much"],
        "parameters": {"org_slug": "acme"},
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
        "checks": {"enabled": True},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True},
                   "stateful": {"enabled": True, "max-steps": 6}},
        "operations": [{
            # The coverage phase sends every value of an enum as a valid case: each of the ~600
            # IANA zones, as a form field and as a query parameter, each an import. The uploads get
            # its invalid cases (every constraint broken) here; their valid ones are fuzzed.
            "include-operation-id-regex": "^import_upload_",
            "phases": {"coverage": {"generation": {"mode": "negative"}}},
        }],
    })


@pytest.fixture
def token(cast) -> str:
    return api_token_create(user=cast.alice, name="schemathesis")[1]


@pytest.fixture
def api_schema(transactional_db, live_server, cast, token):
    # Over HTTP to a live server rather than to the WSGI application in-process: Werkzeug, which
    # schemathesis' WSGI transport encodes multipart bodies with, writes an empty field or file
    # one CRLF short, and Django's parser then drops it, so "format=" would never reach the server.
    return schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json", config=config(token))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_every_operation_answers_as_its_schema_says(case):
    case.call_and_validate()


def test_the_operations_hold_together_as_the_schemas_links_say(api_schema):
    class Workflow(api_schema.as_state_machine()):
        def before_call(self, case):
            if case.path_parameters and "org_slug" in case.path_parameters:
                case.path_parameters["org_slug"] = "acme"

    seed(SEED)(Workflow).run(settings=settings(
        Workflow.TestCase.settings, max_examples=STATEFUL_SCENARIOS, stateful_step_count=6, deadline=None,
        database=None, suppress_health_check=list(HealthCheck)))
