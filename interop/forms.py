from django import forms

from .limits import CSV_MAX_BYTES
from .models import LAB_TEST_CHOICES, ImportKind


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=ImportKind.choices, widget=forms.RadioSelect)
    file = forms.FileField(label="CSV file", help_text=f"UTF-8, at most {CSV_MAX_BYTES // 1_000_000} MB")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(f"The file is over {CSV_MAX_BYTES // 1_000_000} MB.")
        return upload


class LocalLabCodeForm(forms.Form):
    code = forms.CharField(label="Laboratory code (OBX-3)", max_length=64)
    coding_system = forms.CharField(label="Coding system (OBX-3.3, optional)", max_length=20, required=False)
    test = forms.ChoiceField(label="Means", choices=LAB_TEST_CHOICES)
    description = forms.CharField(label="Description", max_length=200, required=False)
