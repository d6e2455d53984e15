"""The upload form: size and type checked before the file is read as an import."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from pupils.imports.kinds import ImportKind
from sendfund.lib.dates import bound_dates

ZIP_MAGIC = b"PK\x03\x04"  # .xlsx and .ods files are zip archives


class ImportForm(forms.Form):
    file = forms.FileField(label="File")
    on = forms.DateField(
        label="Effective date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    create_pupils = forms.BooleanField(
        label="Add pupils who are not on roll",
        required=False,
        help_text="Otherwise pupils in the file who are not in this school are listed, not added.",
    )

    def __init__(self, *args, kind: ImportKind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["file"].label = kind.file_label
        self.fields["file"].help_text = (
            f"A {kind.extension} file of at most "
            f"{filesizeformat(settings.SENDFUND_MAX_UPLOAD_BYTES)}."
        )
        self.fields["file"].widget.attrs["accept"] = kind.extension
        if kind.has_date:
            self.fields["on"].help_text = kind.date_help
        else:
            del self.fields["on"]
        if not kind.can_create_pupils:
            del self.fields["create_pupils"]
        bound_dates(self)

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        limit = settings.SENDFUND_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the largest accepted is "
                f"{filesizeformat(limit)}. Split it into smaller files."
            )
        if not upload.name.lower().endswith(self.kind.extension):
            raise forms.ValidationError(
                f"Upload a {self.kind.extension} file ({upload.name} is not one)."
            )
        data = upload.read(limit + 1)
        if data.startswith(ZIP_MAGIC):
            raise forms.ValidationError(
                "This is a spreadsheet workbook, not a CSV: in Excel choose Save As, "
                "'CSV UTF-8 (comma delimited)'."
            )
        if self.kind.extension == ".xml" and not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(
            b"<"
        ):
            raise forms.ValidationError("This file is not XML: upload the CTF's .xml file.")
        return data

    def options(self) -> dict:
        """Keyword arguments for the import, in a form the session can store."""
        out = {}
        if self.cleaned_data.get("on"):
            out["on"] = self.cleaned_data["on"].isoformat()
        if self.cleaned_data.get("create_pupils"):
            out["create_pupils"] = True
        return out
