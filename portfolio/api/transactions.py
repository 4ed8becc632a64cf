"""Transactions of a project (their behaviour, shared with budget lines, in api/records.py), and their bulk
import. A docstring's first line is the operation's OpenAPI summary, so a long one stays one line."""
from flask.views import MethodView
from flask_smorest import Page

from portfolio.api import idempotency, records, uploads
from portfolio.api.auth import protect
from portfolio.api.base import ApiBlueprint
from portfolio.schemas import bulk as bulk_schemas
from portfolio.schemas.transactions import TransactionPatchSchema, TransactionSchema, TransactionWriteSchema
from portfolio.services import transaction_import
from portfolio.services.records import TRANSACTIONS

blp = ApiBlueprint("transactions", __name__, url_prefix="/api/v1",
                   description="Transactions (IATI): commitments, incoming funds, disbursements, expenditure")
protect(blp, {"GET": "read", "POST": "create", "PATCH": "edit", "DELETE": "delete"})
idempotency.enable(blp)


@blp.route("/projects/<project_code:code>/transactions")
class Transactions(MethodView):
    @blp.doc(operationId="listTransactions")
    @blp.response(200, TransactionSchema(many=True))
    @blp.paginate(Page)
    def get(self, code):
        """The project's transactions, in order, paginated."""
        return records.listed(TRANSACTIONS, code)

    @blp.doc(operationId="createTransaction")
    @blp.etag
    @blp.arguments(TransactionWriteSchema)
    @blp.response(201, TransactionSchema)
    def post(self, data, code):
        """Add a transaction. A non-USD amount takes the rate in force on its value date from /api/v1/exchange-rates unless fx_rate is given."""  # noqa: E501
        return records.create(blp, TRANSACTIONS, data, code, "transactions.TransactionDetail", "transaction_id")


@blp.route("/projects/<project_code:code>/transactions/<id:transaction_id>")
class TransactionDetail(MethodView):
    @blp.doc(operationId="getTransaction")
    @blp.etag
    @blp.response(200, TransactionSchema)
    def get(self, code, transaction_id):
        """One transaction, and its ETag."""
        return records.read(blp, TRANSACTIONS, code, transaction_id)

    @blp.doc(operationId="updateTransaction")
    @blp.etag
    @blp.arguments(TransactionPatchSchema)
    @blp.response(200, TransactionSchema)
    def patch(self, data, code, transaction_id):
        """Change a transaction. Requires If-Match with its current ETag; a change that changes nothing writes nothing."""  # noqa: E501
        return records.change(blp, TRANSACTIONS, data, code, transaction_id)

    @blp.doc(operationId="deleteTransaction")
    @blp.etag
    @blp.response(204)
    def delete(self, code, transaction_id):
        """Delete a transaction. Requires If-Match with its current ETag."""
        records.remove(blp, TRANSACTIONS, code, transaction_id)


bulk_blp = ApiBlueprint("transactions_bulk", __name__, url_prefix="/api/v1",
                        description="Bulk import of transactions")
protect(bulk_blp, {"POST": "bulk"})
idempotency.enable(bulk_blp)


@bulk_blp.route("/transactions/bulk")
class TransactionsBulk(MethodView):
    @bulk_blp.doc(operationId="bulkUpsertTransactions")
    @bulk_blp.response(200, bulk_schemas.BulkTransactionResultSchema)
    @bulk_blp.doc(requestBody=uploads.request_body(
        bulk_schemas.BulkTransactionsRequestSchema, bulk_schemas.TRANSACTION_CSV,
        "project,reference,type,date,amount,currency\nTCM-1,EXP-2004-001,expenditure,2004-03-31,12500.00,EUR\n"))
    def post(self):
        """Create or update (by project and reference) up to 5,000 transactions in one transaction. If any
        row is invalid nothing is written, and every error names its row (/items/17/amount; for CSV also
        the file's line and the column). A row equal to the stored transaction writes nothing."""
        return uploads.import_records(bulk_schemas.TRANSACTION_CSV, bulk_schemas.TRANSACTION_SCHEMAS,
                                      transaction_import)
