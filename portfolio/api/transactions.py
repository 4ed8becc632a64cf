"""Transactions of a project, and their bulk import."""
from flask import url_for
from flask.views import MethodView

from portfolio.api import idempotency, uploads
from portfolio.api.base import ApiBlueprint
from portfolio.api.records import record_routes
from portfolio.auth import current_actor, protect
from portfolio.errors import DomainError, Invalid
from portfolio.schemas import bulk as bulk_schemas
from portfolio.schemas.transactions import TransactionPatchSchema, TransactionSchema, TransactionWriteSchema
from portfolio.services import transaction_import
from portfolio.services.records import TRANSACTIONS

blp = ApiBlueprint("transactions", __name__, url_prefix="/api/v1",
                   description="Transactions (IATI): commitments, incoming funds, disbursements, expenditure")
protect(blp, {"GET": "read", "POST": "create", "PATCH": "edit", "DELETE": "delete"})
idempotency.enable(blp)

record_routes(blp, TRANSACTIONS, "transactions", "transaction_id", TransactionWriteSchema, TransactionPatchSchema,
              TransactionSchema, MethodView, url_for)

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
        raw, lines = uploads.items(bulk_schemas.TRANSACTION_CSV)
        try:
            shape = bulk_schemas.check_items(raw)
            if shape:
                raise Invalid(shape)
            projects = transaction_import.lock_projects(raw)
            create, update = bulk_schemas.TRANSACTION_SCHEMAS
            loaded, errors = bulk_schemas.load_items(raw, transaction_import.is_update(projects), create, update)
            return transaction_import.upsert(loaded, errors, projects, current_actor())
        except DomainError as error:  # every row's errors, located in the file when it was a CSV
            raise uploads.located(error, lines) from error
