"""The fixed Vietnamese labels of the documents (PDF, DOCX, Excel): one dictionary per concept.

Official documents and annexes must not depend on a translation catalogue, so they
read their words here; the web pages read the same concepts through gettext. The
words follow docs/glossary.md.
"""

from __future__ import annotations

from agencies.models import AgencyKind
from parindex.models import Level, Method, RoundKind
from parindex.scoring import RankingGroup
from remediation.reports import ReportGroup, ReportState
from remediation.status import TaskStatus

TASK_STATUS = {
    TaskStatus.NOT_YET_DUE: "Chưa đến hạn",
    TaskStatus.IN_PROGRESS: "Đang thực hiện",
    TaskStatus.DUE_SOON: "Sắp đến hạn",
    TaskStatus.OVERDUE: "Quá hạn",
    TaskStatus.DONE_ON_TIME: "Hoàn thành đúng hạn",
    TaskStatus.DONE_LATE: "Hoàn thành quá hạn",
    TaskStatus.ONGOING: "Thường xuyên",
}
REPORT_STATE = {
    ReportState.NOT_STARTED: "Chưa báo cáo",
    ReportState.DRAFT: "Đang dự thảo",
    ReportState.SUBMITTED_ON_TIME: "Đã gửi đúng hạn",
    ReportState.SUBMITTED_LATE: "Đã gửi quá hạn",
    ReportState.RETURNED: "Bị trả lại",
    ReportState.ACCEPTED: "Đã tiếp nhận",
}
REPORT_GROUP = {
    ReportGroup.SUBMITTED: "Đã gửi đúng hạn",
    ReportGroup.LATE: "Đã gửi quá hạn",
    ReportGroup.ACCEPTED: "Đã tiếp nhận",
    ReportGroup.MISSING: "Chưa báo cáo",
}
LEVEL = {Level.AREA: "Lĩnh vực", Level.CRITERION: "Tiêu chí", Level.SUB: "Tiêu chí thành phần"}
METHOD = {Method.SELF: "Tự đánh giá", Method.SURVEY: "Điều tra xã hội học"}
AGENCY_KIND = {
    AgencyKind.CENTRAL: "Cơ quan Trung ương",
    AgencyKind.DEPARTMENT: "Sở, ban, ngành",
    AgencyKind.DISTRICT: "UBND cấp huyện",
    AgencyKind.COMMUNE: "UBND cấp xã",
    AgencyKind.WARD: "UBND phường",
    AgencyKind.SPECIAL_ZONE: "UBND đặc khu",
}
RANKING_GROUP = {RankingGroup.A: "nhóm A", RankingGroup.B: "nhóm B", RankingGroup.C: "nhóm C"}

# Which round the figures come from (glossary: "tự đánh giá (dự kiến)", "thẩm định vòng 1", "kết quả công bố").
FIGURE_SOURCE = {
    RoundKind.SELF_ASSESSMENT: "tự đánh giá",
    RoundKind.COMPILATION: "tự đánh giá",
    RoundKind.APPRAISAL_1: "thẩm định vòng 1",
    RoundKind.EXPLANATION: "thẩm định vòng 1",
    RoundKind.APPRAISAL_2: "thẩm định vòng 2",
    RoundKind.ANNOUNCEMENT: "kết quả công bố",
}
PROVISIONAL = "dự kiến"

# "Nơi nhận" of the consolidated report: one line per kind of agency the cycle orders to report.
RECIPIENT_GROUP = {
    AgencyKind.CENTRAL: "Các cơ quan Trung ương đóng trên địa bàn tỉnh",
    AgencyKind.DEPARTMENT: "Các sở, ban, ngành thuộc Ủy ban nhân dân tỉnh",
    AgencyKind.DISTRICT: "Ủy ban nhân dân các huyện, thị xã, thành phố",
    AgencyKind.COMMUNE: "Ủy ban nhân dân các xã",
    AgencyKind.WARD: "Ủy ban nhân dân các phường",
    AgencyKind.SPECIAL_ZONE: "Ủy ban nhân dân đặc khu",
}


def figure_source(kind: str | None, provisional: bool) -> str:
    """ "dự kiến (tự đánh giá)", "thẩm định vòng 1", "kết quả công bố" … for a document (glossary)."""
    label = FIGURE_SOURCE.get(kind, "") if kind else ""
    return f"{PROVISIONAL} ({label})" if label and provisional else label


# The issuing body inside a sentence (the header prints it in capitals).
ISSUER_IN_TEXT = {"SỞ NỘI VỤ": "Sở Nội vụ", "SỞ NỘI VỤ TỈNH BÌNH ĐỊNH": "Sở Nội vụ tỉnh Bình Định"}
