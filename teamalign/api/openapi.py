"""The NinjaAPI of teamalign, with an OpenAPI schema that says what the server accepts.

Two adjustments to what ninja generates:

- An optional query parameter or form field is written ``anyOf: [T, null]`` with
  ``default: null``, but a query string or a form cannot carry a null: leaving the
  parameter out is how a caller says "none". The schema gives ``T`` alone, so that a client
  (or schemathesis) never sends a "null" the server has to refuse.
- Operation ids are the endpoint functions' names (``tickets``, ``import_detail``), which the
  OpenAPI links between operations refer to.
"""

from __future__ import annotations

from ninja import NinjaAPI

NULL = {"type": "null"}


def without_null(schema: dict) -> dict:
    options = schema.get("anyOf")
    if options and NULL in options and len(options) == 2:
        [kept] = [option for option in options if option != NULL]
        schema = {**{k: v for k, v in schema.items() if k != "anyOf"}, **kept}
    if "default" in schema and schema["default"] is None:
        schema = {k: v for k, v in schema.items() if k != "default"}
    return schema


class TeamalignAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    parameter["schema"] = without_null(parameter["schema"])
                for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
                    body = content.get("schema", {})
                    if media_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
                        body["properties"] = {name: without_null(field)
                                              for name, field in body.get("properties", {}).items()}
        return schema

    def get_openapi_operation_id(self, operation) -> str:
        return operation.view_func.__name__
