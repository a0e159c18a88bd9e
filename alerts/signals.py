from django.dispatch import Signal

#: A new alert was opened (sent inside the writing transaction). kwargs: alert.
alert_raised = Signal()
