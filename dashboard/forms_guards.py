"""Forms of the clinical guards on the staff pages: stopping an enrollment."""

from django import forms


class StopEnrollmentForm(forms.Form):
    reason = forms.CharField(label="Reason for stopping", max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Recorded on the enrollment, e.g. \"wrong plan\" or \"not tolerated\".")
    date = forms.DateField(label="Last day of the enrollment",
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           help_text="Today unless the treatment ended earlier.")
