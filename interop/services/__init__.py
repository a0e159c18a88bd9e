from .results import Filed, external_result_file, external_result_withdraw

__all__ = ["Filed", "external_result_file", "external_result_withdraw"]
