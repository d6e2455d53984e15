"""URL matrix cases for the import and export pages (/pupils/import/)."""

from tests.url_matrix import UrlCase

CASES = [
    UrlCase("pupil_imports:upload", "pupils.import"),
    UrlCase("pupil_imports:pupils", "pupils.import"),
    UrlCase("pupil_imports:provision", "provision.edit"),  # and pupils.import
    UrlCase("pupil_imports:ctf", "pupils.import"),
    UrlCase(
        "pupil_imports:staff_rates",
        "provision.edit",
        notes="Rates change costs: also needs the right to edit rates (not the administrator).",
    ),
    UrlCase(
        "pupil_imports:confirm",
        "pupils.import",
        method="post",
        ok_status=(302,),
        notes="No pending preview in the session: redirected to the upload page with a message.",
    ),
    UrlCase("pupil_imports:template_pupils", "pupils.import"),
    UrlCase("pupil_imports:template_provision", "pupils.import"),
    UrlCase("pupil_imports:template_ctf", "pupils.import"),
    UrlCase("pupil_imports:template_staff_rates", "pupils.import"),
    UrlCase("pupil_imports:export_register", "pupils.import"),
]
