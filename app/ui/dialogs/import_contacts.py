"""File > Import contacts…: map a CSV file's columns, see the dry run, run the import job.

Three pages in one window-modal dialog. **Columns**: each column of the file with an
example and the field it goes into (suggested from its header and the account's custom
fields; remembered per set of headers), how rows find existing contacts and what a
match does. **Dry run** (reads only): rows, invalid lines with reasons, to create, to
update, unchanged, calls and time at the key's quota, and what Latin-1 will store
differently. **Import**: the journalled job with progress and Cancel, then the report
with every line that did not go in, "Export failed rows…" (a CSV to fix and import
again) and Resume (reads before it sends; never creates twice).

Every call runs through the window's task runner; errors go to the one presenter. The
window refreshes through the change feed like for any other write.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.cancel import CancelToken
from app.core.display import csv_text
from app.core.tags import Tag
from app.imports.failed_rows import write_failed_rows
from app.imports.mapping import mapping_key
from app.imports.planning import RowPlan
from app.imports.reading import CsvTable
from app.jobs.bulk_tags import Scope, format_duration, plan_bulk
from app.journal.import_job import ImportJobs, ImportReport, lines_not_imported, skip_reason
from app.services.imports import DryRun, ImportService, ImportSetup
from app.ui.errors import ErrorPresenter
from app.ui.tasks import Job, TaskRunner, TaskToken

NOT_IMPORTED = "(not imported)"
PREVIEW_ROWS = 500
MATCHES = (("email", "E-mail (any of the three)"), ("email+name-phone", "E-mail, or name and phone"))
ON_MATCH = (("fill", "Fill only empty fields"), ("overwrite", "Overwrite with the file's values"),
            ("skip", "Skip the row"), ("create", "Create a new contact anyway"))
DATE_ORDERS = (("MDY", "Month/day/year"), ("DMY", "Day/month/year"), ("YMD", "Year-month-day"))


def _combo(options: tuple[tuple[str, str], ...]) -> QComboBox:
    box = QComboBox()
    for value, text in options:
        box.addItem(text, value)
    return box


class ImportDialog(QDialog):
    """See the module docstring. ``settings`` (optional) remembers mappings per header set."""

    dry_run_shown = Signal(object)  # the DryRun
    import_finished = Signal(object)  # the ImportReport

    def __init__(self, parent: QWidget | None, runner: TaskRunner, presenter: ErrorPresenter, session: Any,
                 path: Path, settings: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import contacts \u2013 {path.name}")
        self.resize(820, 560)
        self.runner, self.presenter, self.session, self.path, self.settings = (
            runner, presenter, session, path, settings)
        self.service = ImportService(session.contacts, session.tags.estimate_seconds)
        # the job needs the journal (it is what makes it resumable); without one only the dry run runs
        self.jobs = ImportJobs(session.journal) if session.journal is not None else None
        self.table: CsvTable | None = None
        self.setup: ImportSetup | None = None
        self.dry: DryRun | None = None
        self.report: ImportReport | None = None
        self.job: Job[Any] | None = None
        self._stop = CancelToken()
        self.tagging = ""  # the tag job's summary, when the import tagged what it imported
        self.pages = QStackedWidget()
        self.pages.addWidget(self._columns_page())
        self.pages.addWidget(self._dry_run_page())
        self.pages.addWidget(self._import_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self._load()

    # -- page 1: columns -----------------------------------------------------------------------

    def _columns_page(self) -> QWidget:
        page = QWidget()
        self.file_label = QLabel(f"Reading {self.path.name}\u2026")
        self.file_label.setWordWrap(True)
        self.grid = QTableWidget(0, 3)
        self.grid.setHorizontalHeaderLabels(["Column in the file", "Example", "Goes into"])
        self.grid.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.grid.verticalHeader().hide()
        self.match_box, self.on_match_box = _combo(MATCHES), _combo(ON_MATCH)
        self.date_box = _combo(DATE_ORDERS)
        options = QFormLayout()
        options.addRow("Find existing contacts by", self.match_box)
        options.addRow("When a row matches a contact", self.on_match_box)
        options.addRow("Dates like 05/03/2024 are", self.date_box)
        self.check_button = QPushButton("Check rows (dry run)")
        self.check_button.setDefault(True)
        self.check_button.setEnabled(False)
        self.check_button.clicked.connect(self.check)
        close = QPushButton("Cancel")
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(page)
        layout.addWidget(self.file_label)
        layout.addWidget(self.grid, 1)
        layout.addLayout(options)
        layout.addLayout(_buttons(close, None, self.check_button))
        return page

    def _load(self) -> None:
        path, service = self.path, self.service

        tags = self.session.tags

        def work(token: TaskToken) -> tuple[CsvTable, ImportSetup, list[Tag]]:
            by_name = sorted(tags.catalog(token).tags, key=lambda t: t.name.casefold())
            return service.read(path), service.setup(token), by_name

        self.runner.run(work, on_done=self._loaded, on_error=self._load_failed, description="read CSV file",
                        owner=self)

    def _load_failed(self, error: BaseException) -> None:
        self.file_label.setText(f"{self.path.name} cannot be imported: {error}")
        self.presenter.present(error, "Reading the file")

    def _loaded(self, result: tuple[CsvTable, ImportSetup, list[Tag]]) -> None:
        table, setup, tags = result
        self.table, self.setup = table, setup
        for tag in tags:
            self.tag_box.addItem(tag.name, tag.id)
        notes = "".join(f"\n{p}" for p in table.problems)
        self.file_label.setText(f"{self.path.name}: {len(table.rows):,} rows, {table.encoding_name}, "
                                f"{table.delimiter_name}-separated. Choose where each column goes.{notes}")
        mapping = self._remembered(table) or self.service.suggest(table, setup)
        writable = sorted((f for f in setup.fields if not f.read_only and not f.locked),
                          key=lambda f: f.label)
        self.grid.setRowCount(len(table.headers))
        for column, header in enumerate(table.headers):
            self.grid.setItem(column, 0, QTableWidgetItem(header))
            examples = [row.get(column) for row in table.rows[:3] if row.get(column)]
            self.grid.setItem(column, 1, QTableWidgetItem(" | ".join(examples)))
            box = QComboBox()
            box.addItem(NOT_IMPORTED, None)
            for f in writable:
                box.addItem(f.label, f.name)
            index = box.findData(mapping.get(column))
            box.setCurrentIndex(max(index, 0))
            self.grid.setCellWidget(column, 2, box)
        order = self.service.date_order(table, mapping, setup)
        if order is not None:  # the file's dates can only be read one way
            self.date_box.setCurrentIndex(self.date_box.findData(order))
        self.grid.resizeColumnToContents(0)
        self.grid.setColumnWidth(2, 220)
        self.check_button.setEnabled(True)

    def mapping(self) -> dict[int, str]:
        """Column -> field as the page shows it now."""
        out: dict[int, str] = {}
        for column in range(self.grid.rowCount()):
            box = self.grid.cellWidget(column, 2)
            if isinstance(box, QComboBox) and box.currentData():
                out[column] = str(box.currentData())
        return out

    def field_box(self, header: str) -> QComboBox:
        """The "Goes into" box of the column named ``header`` (tests, and keyboard users' focus)."""
        for column in range(self.grid.rowCount()):
            item = self.grid.item(column, 0)
            if item is not None and item.text() == header:
                box = self.grid.cellWidget(column, 2)
                assert isinstance(box, QComboBox)
                return box
        raise KeyError(header)

    def _remembered(self, table: CsvTable) -> dict[int, str]:
        raw = self.settings.value(self._settings_key(table)) if self.settings is not None else None
        try:
            stored = json.loads(raw) if isinstance(raw, str) else {}
        except ValueError:
            return {}
        return {int(k): str(v) for k, v in stored.items() if str(k).isdigit() and int(k) < len(table.headers)}

    def _remember(self, table: CsvTable, mapping: dict[int, str]) -> None:
        if self.settings is not None:
            self.settings.set_value(self._settings_key(table), json.dumps(mapping))

    @staticmethod
    def _settings_key(table: CsvTable) -> str:
        return f"import/mapping/{mapping_key(table.headers)}"

    # -- page 2: dry run -----------------------------------------------------------------------

    def _dry_run_page(self) -> QWidget:
        page = QWidget()
        self.figures = QLabel()
        self.figures.setWordWrap(True)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        back = QPushButton("Back")
        back.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self.export_invalid_button = QPushButton("Export invalid rows\u2026")
        self.export_invalid_button.clicked.connect(lambda: self.export_failed())
        self.import_button = QPushButton("Import")
        self.import_button.clicked.connect(self.start_import)
        self.tag_box = QComboBox()
        self.tag_box.addItem("(no tag)", None)
        self.tag_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        tag_row = QFormLayout()
        tag_row.addRow("Then tag every created or updated contact with", self.tag_box)
        layout = QVBoxLayout(page)
        layout.addWidget(self.figures)
        layout.addWidget(self.details, 1)
        layout.addLayout(tag_row)
        layout.addLayout(_buttons(back, self.export_invalid_button, self.import_button))
        return page

    def check(self) -> None:
        """The dry run: check every row and match it against the account (reads only)."""
        table, setup, mapping = self.table, self.setup, self.mapping()
        if table is None or setup is None:
            return
        if not mapping:
            self.file_label.setText("Choose a field for at least one column (an e-mail column finds existing "
                                    "contacts).")
            return
        self._remember(table, mapping)
        mode, on_match, order = (self.match_box.currentData(), self.on_match_box.currentData(),
                                 self.date_box.currentData())
        service = self.service

        def work(token: TaskToken) -> DryRun:
            return service.dry_run(table, mapping, setup, token, mode=mode, on_match=on_match,
                                   date_order=order, progress=lambda done, total: token.report((done, total)))

        self.check_button.setEnabled(False)
        self.file_label.setText("Checking the rows and reading the account\u2026")
        self.runner.run(work, on_done=self.show_dry_run, on_error=self._check_failed, key="import.dry-run",
                        description="import dry run", owner=self)

    def _check_failed(self, error: BaseException) -> None:
        self.check_button.setEnabled(True)
        self.presenter.present(error, "Checking the file")

    def show_dry_run(self, dry: DryRun) -> None:
        self.dry = dry
        self.check_button.setEnabled(True)
        f = dry.figures()
        self.figures.setText(
            f"<b>{f['rows']:,}</b> rows: <b>{f['create']:,}</b> to create, <b>{f['update']:,}</b> to update, "
            f"{f['unchanged']:,} unchanged or skipped, <b>{f['invalid']:,}</b> invalid (not imported).<br>"
            f"{f['calls']:,} calls after {dry.plan.reads:,} paged reads; estimated time at this key's quota: "
            f"{format_duration(dry.estimated_seconds)}. Nothing has been changed yet.")
        lines = [f"Line {r.line}: {'; '.join(r.problems)}" for r in dry.plan.rows if r.action == "invalid"]
        lines += [f"Line {r.line}: same contact as line {r.merged_into}, merged into it"
                  for r in dry.plan.rows if r.action == "merged"]
        sent = [r for r in dry.plan.rows if r.action in ("create", "update", "unchanged", "skip")]
        if sent:
            lines += [*([""] if lines else []), "What the import does:"]
            lines += [_described(r) for r in sent[:PREVIEW_ROWS]]
            if len(sent) > PREVIEW_ROWS:
                lines.append(f"\u2026 and {len(sent) - PREVIEW_ROWS:,} more rows")
        if dry.transliterations:
            lines += ["", "Keap stores text in Latin-1; these values will be saved as shown:"]
            lines += [f"Line {line}, {field}: \u201c{before}\u201d \u2192 \u201c{after}\u201d"
                      for line, field, before, after in dry.transliterations]
        self.details.setPlainText("\n".join(lines) or "Every row can be imported.")
        self.export_invalid_button.setEnabled(f["invalid"] > 0)
        self.import_button.setEnabled(f["calls"] > 0 and self.jobs is not None)
        self.import_button.setText(f"Import {f['calls']:,} rows" if f["calls"] else "Nothing to import")
        self.pages.setCurrentIndex(1)
        self.dry_run_shown.emit(dry)

    # -- page 3: the job -----------------------------------------------------------------------

    def _import_page(self) -> QWidget:
        page = QWidget()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.outcome_text = QPlainTextEdit()
        self.outcome_text.setReadOnly(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_import)
        self.export_failed_button = QPushButton("Export failed rows\u2026")
        self.export_failed_button.clicked.connect(lambda: self.export_failed())
        self.resume_button = QPushButton("Resume")
        self.resume_button.clicked.connect(self.resume_import)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.accept)
        for button in (self.export_failed_button, self.resume_button, self.close_button):
            button.hide()
        layout = QVBoxLayout(page)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addWidget(self.outcome_text, 1)
        row = QHBoxLayout()
        for button in (self.export_failed_button, self.resume_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        return page

    def start_import(self) -> None:
        dry, jobs = self.dry, self.jobs
        if dry is None or jobs is None or self.busy:
            return
        contacts, name = self.session.contacts, self.path.name
        protocol = self.session.protocol

        tag_id, tags = self.tag_box.currentData(), self.session.tags
        self.tagging = ""

        def work(token: TaskToken, stop: CancelToken) -> ImportReport:
            job_id = jobs.start(dry.plan, name, protocol)
            report = jobs.run(job_id, contacts, stop, lambda done, total: token.report((done, total)))
            if tag_id is not None and report.imported_ids and not stop.is_cancelled():
                # a bulk tag job of its own, journalled like any other (Undo job removes the tag again)
                plan = plan_bulk(tags, Scope.selected(report.imported_ids), [int(tag_id)], "apply", stop)
                tagged = tags.run_job(plan, stop, lambda _p: None)
                self.tagging = f"Tag \u201c{plan.tag_name(int(tag_id))}\u201d: {tagged.summary()}"
            return report

        self._run(work, f"Importing {dry.plan.calls:,} rows of {name}\u2026")

    def resume_import(self) -> None:
        report, jobs = self.report, self.jobs
        if report is None or jobs is None or self.busy:
            return
        contacts = self.session.contacts

        def work(token: TaskToken, stop: CancelToken) -> ImportReport:
            return jobs.resume(report.job_id, contacts, stop, lambda done, total: token.report((done, total)))

        self._run(work, "Checking the unfinished rows in Keap, then sending what is missing\u2026")

    @property
    def busy(self) -> bool:
        return self.job is not None

    def _run(self, work: Callable[[TaskToken, CancelToken], ImportReport], text: str) -> None:
        """Run the job with a cancel token of its own: the runner's would discard the report of a
        cancelled job. The read lane, as bulk tag jobs: a long import must not hold up saves."""
        self.pages.setCurrentIndex(2)
        self.status.setText(text)
        self.progress.setRange(0, 0)
        for button in (self.export_failed_button, self.resume_button, self.close_button):
            button.hide()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        stop = self._stop = CancelToken()
        self.job = self.runner.run(lambda token: work(token, stop), on_done=self.show_report,
                                   on_error=self._import_failed, on_progress=self._progress,
                                   description="import contacts", owner=self)

    def _progress(self, value: object) -> None:
        if isinstance(value, tuple) and len(value) == 2:
            done, total = int(value[0]), int(value[1])
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(done)

    def cancel_import(self) -> None:
        if self.job is not None:
            self.cancel_button.setEnabled(False)
            self.status.setText("Stopping after the rows being sent\u2026")
            self._stop.cancel()

    def _import_failed(self, error: BaseException) -> None:
        self.job = None
        self.cancel_button.hide()
        self.close_button.show()
        self.status.setText("The import stopped. What was sent is in View > History; Resume from there.")
        self.presenter.present(error, "Importing contacts")

    def show_report(self, report: ImportReport) -> None:
        self.job, self.report = None, report
        self.cancel_button.hide()
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.status.setText(("Cancelled: " if report.cancelled else "Finished: ") + report.summary() + "."
                            + (f"\n{self.tagging}" if self.tagging else ""))
        failed = lines_not_imported(self.dry.plan, report) if self.dry is not None else {}
        lines = [row.describe() for row in report.unfinished]
        if report.unfinished:
            lines += ["Resume checks the unknown ones in Keap first and sends only what is missing.", ""]
        unfinished = {r.line for r in report.unfinished}
        invalid = {line: why for line, why in failed.items() if line not in unfinished}
        if invalid:
            lines += ["Not imported (\u201cExport failed rows\u201d writes them to a file to fix and import "
                      "again):"]
            lines += [f"line {line}: {why}" for line, why in invalid.items()] + [""]
        done = [r for r in report.rows if r.state == "done"]
        lines += [f"line {r.line}: {'created' if r.kind == 'create' else r.kind + 'd'} contact {r.contact_id}"
                  for r in done[:PREVIEW_ROWS]]
        if len(done) > PREVIEW_ROWS:
            lines.append(f"\u2026 and {len(done) - PREVIEW_ROWS:,} more")
        self.outcome_text.setPlainText("\n".join(lines).strip() or "Nothing was sent.")
        self.export_failed_button.setVisible(bool(failed))
        self.resume_button.setVisible(not report.complete)
        self.close_button.show()
        self.import_finished.emit(report)

    def export_failed(self, target: Path | None = None) -> int:
        """Write the lines that did not go in (invalid, failed, unknown, not started) to a CSV file."""
        if self.dry is None or self.table is None:
            return 0
        problems = lines_not_imported(self.dry.plan, self.report)
        if target is None:
            suggested = self.path.with_name(f"{self.path.stem}-not-imported.csv")
            chosen, _ = QFileDialog.getSaveFileName(self, "Export rows that were not imported",
                                                    str(suggested), "CSV files (*.csv)")
            if not chosen:
                return 0
            target = Path(chosen)
        try:
            count = write_failed_rows(target, self.table, problems)
        except OSError as err:
            self.presenter.present(err, "Exporting the rows")
            return 0
        self.presenter.status_message.emit(f"Wrote {count:,} rows to {target.name}.", 5000)
        return count


def _described(row: RowPlan) -> str:
    """``Line 3: create Ada, ada@x.test`` / ``Line 2: update contact 17 (e-mail): Company "" -> "Acme"``."""
    if row.action in ("unchanged", "skip"):
        return f"Line {row.line}: {skip_reason(row)}"
    if row.action == "create":
        who = ", ".join(str(row.values[k]) for k in ("FirstName", "LastName", "Email", "Company")
                        if row.values.get(k))
        return f"Line {row.line}: create {who}"
    changes = "; ".join(f"{name} \u201c{_text(row.before.get(name))}\u201d \u2192 \u201c{_text(value)}\u201d"
                        for name, value in row.values.items())
    return f"Line {row.line}: update contact {row.contact_id} (matched by {row.matched_by}): {changes}"


def _text(value: object) -> str:
    return csv_text(value)


def _buttons(left: QPushButton, middle: QPushButton | None, right: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(left)
    if middle is not None:
        row.addWidget(middle)
    row.addStretch(1)
    row.addWidget(right)
    return row
