"""The routes of a project's money records (budget lines, transactions): one shape for both."""
from flask_smorest import Page

from portfolio.auth import current_actor
from portfolio.services import projects, records
from portfolio.services.state import SNAPSHOTS
from portfolio.services.vocabulary import current


def etag_data(kind: records.Kind, record: dict) -> dict:
    return SNAPSHOTS[kind.name][1](record, current())


def record_routes(blp, kind: records.Kind, segment: str, id_name: str, write_schema, patch_schema, out_schema,
                  method_view, url_for, operations: dict[str, str] | None = None):
    label = kind.label
    singular = "".join(part.title() for part in label.split())
    # operationIds: listBudgetLines, createBudgetLine, getBudgetLine, ... (listTransactions, ...)
    names = {"list": f"list{singular}s", "create": f"create{singular}", "get": f"get{singular}",
             "update": f"update{singular}", "delete": f"delete{singular}", **(operations or {})}

    def doc(method: str) -> dict:
        return {"operationId": names[method]}

    class Collection(method_view):
        @blp.doc(**doc("list"))
        @blp.response(200, out_schema(many=True))
        @blp.paginate(Page)
        def get(self, code):
            project = projects.get(code)
            rows = getattr(project, kind.name).values()
            order = (lambda r: (r["period_start"], r["id"])) if kind is records.LINES else (
                lambda r: (r["date"], r["id"]))
            return [records.present(r, kind) for r in sorted(rows, key=order)]

        @blp.doc(**doc("create"))
        @blp.etag
        @blp.arguments(write_schema)
        @blp.response(201, out_schema)
        def post(self, data, code):
            project = projects.get(code, lock=True)
            _, record = records.add(project, kind, data, current_actor())
            blp.set_etag(etag_data(kind, record))
            return records.present(record, kind), {
                "Location": url_for(f"{blp.name}.{item_name}", code=code, **{id_name: record["id"]})}

    class Item(method_view):
        @blp.doc(**doc("get"))
        @blp.etag
        @blp.response(200, out_schema)
        def get(self, code, **ids):
            record = records.get(projects.get(code), kind, ids[id_name])
            blp.set_etag(etag_data(kind, record))
            return records.present(record, kind)

        @blp.doc(**doc("update"))
        @blp.etag
        @blp.arguments(patch_schema)
        @blp.response(200, out_schema)
        def patch(self, data, code, **ids):
            project = projects.get(code, lock=True)
            blp.check_etag(etag_data(kind, records.get(project, kind, ids[id_name])))
            _, record, _ = records.change(project, kind, ids[id_name], data, current_actor())
            blp.set_etag(etag_data(kind, record))
            return records.present(record, kind)

        @blp.doc(**doc("delete"))
        @blp.etag
        @blp.response(204)
        def delete(self, code, **ids):
            project = projects.get(code, lock=True)
            blp.check_etag(etag_data(kind, records.get(project, kind, ids[id_name])))
            records.remove(project, kind, ids[id_name], current_actor())

    collection_name, item_name = singular + "s", singular + "Detail"
    Collection.__name__ = Collection.__qualname__ = collection_name
    Item.__name__ = Item.__qualname__ = item_name
    Collection.get.__doc__ = f"The project's {label}s, in order, paginated."
    Collection.post.__doc__ = (f"Add a {label}. A non-USD amount takes the rate in force on its value date from "
                               "/api/v1/exchange-rates unless fx_rate is given.")
    Item.get.__doc__ = f"One {label}, and its ETag."
    Item.patch.__doc__ = (f"Change a {label}. Requires If-Match with its current ETag; a change that changes nothing "
                          "writes nothing.")
    Item.delete.__doc__ = f"Delete a {label}. Requires If-Match with its current ETag."
    blp.route(f"/projects/<project_code:code>/{segment}")(Collection)
    blp.route(f"/projects/<project_code:code>/{segment}/<id:{id_name}>")(Item)
    return Collection, Item
