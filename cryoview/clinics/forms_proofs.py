"""The author's form for a proof of treatment (the moderators decide with forms_staff.DecisionForm)."""

from __future__ import annotations

from django import forms

from cryoview.clinics.forms_staff import document_field


class ProofForm(forms.Form):
    document = document_field("Your receipt or appointment letter")
