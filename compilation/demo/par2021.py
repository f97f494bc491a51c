"""Illustrative demo data: a provincial PAR Index 2021 criteria tree and SIPAS 2021 figures.

This module holds constants only. The tree below is an illustration (minh họa) shaped like the
2021 rubric (8 areas, 43 criteria, 95 sub-criteria, 100 points); it is NOT the official annex
of Decision 1149/QĐ-BNV. The real tree is imported each cycle from the Ministry's spreadsheet.

Conventions:
- Codes are strings numbered like "3", "3.2", "3.2.1".
- Points are ``Decimal`` values, at quarter-point granularity at most.
- ``method`` is "self" (tự đánh giá, chấm điểm; appraised by the Ministry) or "survey"
  (điều tra xã hội học; not self-scored).
"""

import datetime as dt
from decimal import Decimal as D

PAR_FRAMEWORK = {
    "name": "PAR Index cấp tỉnh 2021",
    "legal_basis": "1149/QĐ-BNV",
    "decision_date": dt.date(2020, 12, 30),
    "first_year": 2021,
    "last_year": 2021,
    "description": (
        "Bộ tiêu chí minh họa dùng cho dữ liệu mẫu: gồm 8 lĩnh vực, 43 tiêu chí, 95 tiêu chí "
        "thành phần, tổng 100 điểm. Đây không phải là nội dung nguyên văn Phụ lục kèm theo "
        "Quyết định số 1149/QĐ-BNV ngày 30/12/2020 của Bộ Nội vụ; bộ tiêu chí chính thức được "
        "nhập hằng năm từ tệp bảng tính do Bộ Nội vụ ban hành."
    ),
}

# The 2020 version (1150/QĐ-BNV of 30/12/2019); illustrated with the same shape and codes as
# the 2021 tree above, linked to it by a crosswalk (identity by code).
PAR_FRAMEWORK_2020 = {
    "name": "PAR Index cấp tỉnh 2020",
    "legal_basis": "1150/QĐ-BNV",
    "decision_date": dt.date(2019, 12, 30),
    "first_year": 2020,
    "last_year": 2020,
    "description": (
        "Bộ tiêu chí minh họa năm 2020 (căn cứ Quyết định số 1150/QĐ-BNV ngày 30/12/2019 của Bộ "
        "Nội vụ), trình bày theo cùng cấu trúc với bộ tiêu chí minh họa năm 2021; không phải nội "
        "dung nguyên văn của Quyết định. Điểm năm 2020 là kết quả đã công bố (24/06/2021)."
    ),
}

# Areas: code, name, max (points), focal (focal agency code), criteria.
# Criteria: code, name, subs.
# Sub-criteria: (code, name, max_points, method).
PAR_TREE = [
    {
        "code": "1",
        "name": "Công tác chỉ đạo, điều hành cải cách hành chính",
        "max": D(10),
        "focal": "SNV",
        "criteria": [
            {
                "code": "1.1",
                "name": "Kế hoạch cải cách hành chính năm",
                "subs": [
                    (
                        "1.1.1",
                        "Ban hành kế hoạch cải cách hành chính năm",
                        D(1),
                        "self",
                    ),
                    ("1.1.2", "Mức độ hoàn thành kế hoạch CCHC năm", D(1), "self"),
                    (
                        "1.1.3",
                        "Xác định nhiệm vụ, kết quả cần đạt và bố trí kinh phí thực hiện kế hoạch CCHC",
                        D("0.5"),
                        "self",
                    ),
                ],
            },
            {
                "code": "1.2",
                "name": "Báo cáo cải cách hành chính",
                "subs": [
                    (
                        "1.2.1",
                        "Số lượng báo cáo CCHC định kỳ được ban hành đầy đủ",
                        D("0.5"),
                        "self",
                    ),
                    (
                        "1.2.2",
                        "Chất lượng và thời hạn gửi báo cáo CCHC định kỳ",
                        D("0.5"),
                        "self",
                    ),
                ],
            },
            {
                "code": "1.3",
                "name": "Kiểm tra công tác cải cách hành chính",
                "subs": [
                    (
                        "1.3.1",
                        "Tỷ lệ cơ quan chuyên môn thuộc UBND tỉnh và UBND cấp huyện được kiểm tra CCHC trong năm",
                        D(1),
                        "self",
                    ),
                    (
                        "1.3.2",
                        "Xử lý các vấn đề phát hiện qua kiểm tra CCHC",
                        D(1),
                        "self",
                    ),
                ],
            },
            {
                "code": "1.4",
                "name": "Công tác tuyên truyền cải cách hành chính",
                "subs": [
                    (
                        "1.4.1",
                        "Ban hành kế hoạch tuyên truyền CCHC năm",
                        D("0.5"),
                        "self",
                    ),
                    (
                        "1.4.2",
                        "Mức độ hoàn thành kế hoạch tuyên truyền CCHC",
                        D("0.5"),
                        "self",
                    ),
                ],
            },
            {
                "code": "1.5",
                "name": "Sự năng động trong chỉ đạo, điều hành cải cách hành chính",
                "subs": [
                    (
                        "1.5.1",
                        "Gắn kết quả thực hiện CCHC với công tác thi đua, khen thưởng",
                        D("0.5"),
                        "self",
                    ),
                    (
                        "1.5.2",
                        "Sáng kiến, giải pháp mới trong cải cách hành chính được áp dụng",
                        D("0.5"),
                        "self",
                    ),
                    (
                        "1.5.3",
                        "Xác định Chỉ số CCHC của các sở, ban, ngành và UBND cấp huyện",
                        D("0.5"),
                        "self",
                    ),
                ],
            },
            {
                "code": "1.6",
                "name": "Thực hiện nhiệm vụ được Chính phủ, Thủ tướng Chính phủ giao",
                "subs": [
                    (
                        "1.6.1",
                        "Tỷ lệ nhiệm vụ được Chính phủ, Thủ tướng Chính phủ giao hoàn thành đúng hạn",
                        D(1),
                        "self",
                    ),
                    (
                        "1.6.2",
                        "Đánh giá của công chức, viên chức về chất lượng chỉ đạo, điều hành CCHC của tỉnh",
                        D(1),
                        "survey",
                    ),
                ],
            },
        ],
    },
    {
        "code": "2",
        "name": "Xây dựng và tổ chức thực hiện văn bản quy phạm pháp luật tại tỉnh",
        "max": D(10),
        "focal": "STP",
        "criteria": [
            {
                "code": "2.1",
                "name": "Xây dựng và ban hành văn bản quy phạm pháp luật",
                "subs": [
                    (
                        "2.1.1",
                        "Mức độ thực hiện kế hoạch xây dựng văn bản QPPL của tỉnh",
                        D(1),
                        "self",
                    ),
                    (
                        "2.1.2",
                        "Thực hiện quy trình xây dựng văn bản QPPL theo quy định",
                        D(1),
                        "self",
                    ),
                    (
                        "2.1.3",
                        "Đánh giá của người dân, tổ chức về chất lượng văn bản QPPL do tỉnh ban hành",
                        D(2),
                        "survey",
                    ),
                ],
            },
            {
                "code": "2.2",
                "name": "Theo dõi thi hành pháp luật",
                "subs": [
                    (
                        "2.2.1",
                        "Ban hành kế hoạch theo dõi thi hành pháp luật năm",
                        D("0.5"),
                        "self",
                    ),
                    (
                        "2.2.2",
                        "Mức độ thực hiện kế hoạch theo dõi thi hành pháp luật",
                        D(1),
                        "self",
                    ),
                ],
            },
            {
                "code": "2.3",
                "name": "Kiểm tra, xử lý văn bản quy phạm pháp luật",
                "subs": [
                    (
                        "2.3.1",
                        "Ban hành kế hoạch kiểm tra, xử lý văn bản QPPL năm",
                        D("0.5"),
                        "self",
                    ),
                    (
                        "2.3.2",
                        "Xử lý văn bản QPPL trái pháp luật phát hiện qua kiểm tra",
                        D("1.5"),
                        "self",
                    ),
                ],
            },
            {
                "code": "2.4",
                "name": "Rà soát, hệ thống hóa văn bản quy phạm pháp luật",
                "subs": [
                    (
                        "2.4.1",
                        "Ban hành kế hoạch rà soát, hệ thống hóa văn bản QPPL",
                        D("0.5"),
                        "self",
                    ),
                    (
                        "2.4.2",
                        "Mức độ thực hiện kế hoạch rà soát, hệ thống hóa văn bản QPPL",
                        D(1),
                        "self",
                    ),
                    (
                        "2.4.3",
                        "Xử lý kết quả rà soát văn bản QPPL",
                        D(1),
                        "self",
                    ),
                ],
            },
        ],
    },
    {
        "code": "3",
        "name": "Cải cách thủ tục hành chính",
        "max": D("14.5"),
        "focal": "VP-UBND",
        "criteria": [
            {
                "code": "3.1",
                "name": "Rà soát, đánh giá thủ tục hành chính",
                "subs": [
                    (
                        "3.1.1",
                        "Ban hành kế hoạch rà soát, đánh giá TTHC năm",
                        D("0.5"),
                        "self",
                    ),
                    (
                        "3.1.2",
                        "Mức độ hoàn thành kế hoạch rà soát, đánh giá TTHC",
                        D(1),
                        "self",
                    ),
                    (
                        "3.1.3",
                        "Tỷ lệ phương án đơn giản hóa TTHC được cấp có thẩm quyền thông qua",
                        D(1),
                        "self",
                    ),
                ],
            },
            {
                "code": "3.2",
                "name": "Công bố, công khai thủ tục hành chính",
                "subs": [
                    (
                        "3.2.1",
                        "Công bố danh mục TTHC thuộc thẩm quyền giải quyết của tỉnh đúng thời hạn",
                        D(1),
                        "self",
                    ),
                    (
                        "3.2.2",
                        "Công khai TTHC trên Cơ sở dữ liệu quốc gia về TTHC",
                        D(1),
                        "self",
                    ),
                    (
                        "3.2.3",
                        "Đánh giá của người dân, tổ chức về việc công khai TTHC",
                        D("1.5"),
                        "survey",
                    ),
                ],
            },
            {
                "code": "3.3",
                "name": "Thực hiện cơ chế một cửa, một cửa liên thông",
                "subs": [
                    (
                        "3.3.1",
                        "Tổ chức và hoạt động của Trung tâm Phục vụ hành chính công tỉnh theo quy định",
                        D(1),
                        "self",
                    ),
                    (
                        "3.3.2",
                        "Tỷ lệ TTHC được đưa ra tiếp nhận tại Trung tâm Phục vụ hành chính công tỉnh",
                        D(1),
                        "self",
                    ),
                    (
                        "3.3.3",
                        "Đánh giá của người dân, tổ chức về hoạt động của Bộ phận Một cửa",
                        D("1.5"),
                        "survey",
                    ),
                ],
            },
            {
                "code": "3.4",
                "name": "Kết quả giải quyết thủ tục hành chính",
                "subs": [
                    (
                        "3.4.1",
                        "Tỷ lệ hồ sơ TTHC được giải quyết đúng hạn",
                        D(2),
                        "self",
                    ),
                    (
                        "3.4.2",
                        "Thực hiện xin lỗi người dân, tổ chức khi giải quyết hồ sơ TTHC quá hạn",
                        D("0.5"),
                        "self",
                    ),
                ],
            },
            {
                "code": "3.5",
                "name": "Tiếp nhận, xử lý phản ánh, kiến nghị của cá nhân, tổ chức về TTHC",
                "subs": [
                    (
                        "3.5.1",
                        "Tỷ lệ phản ánh, kiến nghị về TTHC được xử lý đúng hạn",
                        D("1.5"),
                        "self",
                    ),
                ],
            },
            {
                "code": "3.6",
                "name": "Tiếp nhận hồ sơ, trả kết quả giải quyết TTHC qua dịch vụ bưu chính công ích",
                "subs": [
                    (
                        "3.6.1",
                        "Tỷ lệ TTHC có phát sinh hồ sơ tiếp nhận, trả kết quả qua dịch vụ bưu chính công ích",
                        D(1),
                        "self",
                    ),
                ],
            },
        ],
    },
    {
        "code": "4",
        "name": "Cải cách tổ chức bộ máy hành chính",
        "max": D(11),
        "focal": "SNV",
        "criteria": [
            {
                "code": "4.1",
                "name": "Tuân thủ các quy định của Chính phủ về tổ chức bộ máy",
                "subs": [
                    (
                        "4.1.1",
                        "Thực hiện quy định về cơ cấu tổ chức của các cơ quan chuyên môn thuộc UBND tỉnh",
                        D(1),
                        "self",
                    ),
                    (
                        "4.1.2",
                        "Thực hiện quy định về số lượng cấp phó trong các cơ quan, tổ chức hành chính",
                        D(1),
                        "self",
                    ),
                    (
                        "4.1.3",
                        "Sắp xếp, kiện toàn các phòng, chi cục thuộc cơ quan chuyên môn theo quy định",
                        D(1),
                        "self",
                    ),
                ],
            },
            {
                "code": "4.2",
                "name": "Quản lý, sử dụng biên chế",
                "subs": [
                    (
                        "4.2.1",
                        "Thực hiện quy định về sử dụng biên chế công chức được giao",
                        D("1.5"),
                        "self",
                    ),
                    (
                        "4.2.2",
                        "Thực hiện tinh giản biên chế theo quy định",
                        D("1.5"),
                        "self",
                    ),
                ],
            },
            {
                "code": "4.3",
                "name": "Thực hiện phân cấp quản lý",
                "subs": [
                    (
                        "4.3.1",
                        "Thực hiện các quy định về phân cấp quản lý do Chính phủ, bộ, ngành ban hành",
                        D(1),
                        "self",
                    ),
                    (
                        "4.3.2",
                        "Kiểm tra, đánh giá định kỳ việc thực hiện các nhiệm vụ đã phân cấp cho cấp huyện",
                        D(1),
                        "self",
                    ),
                ],
            },
            {
                "code": "4.4",
                "name": "Sắp xếp, tổ chức lại đơn vị sự nghiệp công lập",
                "subs": [
                    (
                        "4.4.1",
                        "Mức độ hoàn thành mục tiêu giảm số lượng đơn vị sự nghiệp công lập",
                        D(1),
                        "self",
                    ),
                ],
            },
            {
                "code": "4.5",
                "name": "Đánh giá về tổ chức bộ máy và phân cấp quản lý",
                "subs": [
                    (
                        "4.5.1",
                        "Đánh giá của công chức, viên chức về tính hợp lý của cơ cấu tổ chức các cơ quan chuyên môn",
                        D(1),
                        "survey",
                    ),
                    (
                        "4.5.2",
                        "Đánh giá của công chức, viên chức về việc thực hiện phân cấp quản lý của tỉnh",
                        D(1),
                        "survey",
                    ),
                ],
            },
        ],
    },
    {
        "code": "5",
        "name": "Xây dựng và nâng cao chất lượng đội ngũ công chức, viên chức",
        "max": D(16),
        "focal": "SNV",
        "criteria": [
            {
                "code": "5.1",
                "name": "Xác định cơ cấu công chức, viên chức theo vị trí việc làm",
                "subs": [
                    (
                        "5.1.1",
                        "Phê duyệt vị trí việc làm trong các cơ quan, tổ chức hành chính",
                        D(1),
                        "self",
                    ),
                    (
                        "5.1.2",
                        "Bố trí công chức theo vị trí việc làm và cơ cấu ngạch công chức được phê duyệt",
                        D(1),
                        "self",
                    ),
                    (
                        "5.1.3",
                        "Phê duyệt vị trí việc làm trong các đơn vị sự nghiệp công lập",
                        D(1),
                        "self",
                    ),
                ],
            },
            {
                "code": "5.2",
                "name": "Tuyển dụng công chức, viên chức",
                "subs": [
                    ("5.2.1", "Tuyển dụng công chức", D(1), "self"),
                    ("5.2.2", "Tuyển dụng viên chức", D(1), "self"),
                    (
                        "5.2.3",
                        "Đánh giá của công chức về tính công khai, minh bạch trong tuyển dụng công chức",
                        D(1),
                        "survey",
                    ),
                ],
            },
            {
                "code": "5.3",
                "name": "Thi nâng ngạch công chức, thăng hạng chức danh nghề nghiệp viên chức",
                "subs": [
                    (
                        "5.3.1",
                        "Thực hiện quy định về thi nâng ngạch, xét thăng hạng chức danh nghề nghiệp",
                        D(1),
                        "self",
                    ),
                ],
            },
            {
                "code": "5.4",
                "name": "Bổ nhiệm vị trí lãnh đạo",
                "subs": [
                    (
                        "5.4.1",
                        "Thực hiện quy định về bổ nhiệm lãnh đạo cấp sở và cấp phòng",
                        D(1),
                        "self",
                    ),
                    (
                        "5.4.2",
                        "Đánh giá của công chức về tính công khai, minh bạch trong bổ nhiệm lãnh đạo",
                        D("1.5"),
                        "survey",
                    ),
                ],
            },
            {
                "code": "5.5",
                "name": "Đánh giá, xếp loại và kỷ luật công chức, viên chức",
                "subs": [
                    (
                        "5.5.1",
                        "Thực hiện đánh giá, xếp loại chất lượng công chức, viên chức theo quy định",
                        D(1),
                        "self",
                    ),
                    (
                        "5.5.2",
                        "Thực hiện quy định về xử lý kỷ luật công chức, viên chức",
                        D(1),
                        "self",
                    ),
                ],
            },
            {
                "code": "5.6",
                "name": "Đào tạo, bồi dưỡng cán bộ, công chức, viên chức",
                "subs": [
                    (
                        "5.6.1",
                        "Ban hành kế hoạch đào tạo, bồi dưỡng cán bộ, công chức, viên chức năm",
                        D("0.5"),
                        "self",
                    ),
                    (
                        "5.6.2",
                        "Mức độ hoàn thành kế hoạch đào tạo, bồi dưỡng cán bộ, công chức, viên chức",
                        D("1.5"),
                        "self",
                    ),
                ],
            },
            {
                "code": "5.7",
                "name": "Cán bộ, công chức cấp xã",
                "subs": [
                    (
                        "5.7.1",
                        "Tỷ lệ cán bộ, công chức cấp xã đạt chuẩn theo quy định",
                        D("1.5"),
                        "self",
                    ),
                    (
                        "5.7.2",
                        "Tỷ lệ cán bộ, công chức cấp xã được bồi dưỡng trong năm",
                        D(1),
                        "self",
                    ),
                ],
            },
        ],
    },
    {
        "code": "6",
        "name": "Cải cách tài chính công",
        "max": D(7),
        "focal": "STC",
        "criteria": [
            {
                "code": "6.1",
                "name": "Thực hiện công tác tài chính - ngân sách",
                "subs": [
                    (
                        "6.1.1",
                        "Tỷ lệ giải ngân kế hoạch vốn đầu tư công hằng năm",
                        D(1),
                        "self",
                    ),
                    (
                        "6.1.2",
                        "Thực hiện công khai dự toán, quyết toán ngân sách nhà nước theo quy định",
                        D("0.5"),
                        "self",
                    ),
                    (
                        "6.1.3",
                        "Thực hiện kiến nghị của thanh tra, kiểm toán về tài chính, ngân sách",
                        D("0.5"),
                        "self",
                    ),
                ],
            },
            {
                "code": "6.2",
                "name": "Thực hiện cơ chế tự chủ tại cơ quan hành chính",
                "subs": [
                    (
                        "6.2.1",
                        "Thực hiện tự chủ về sử dụng biên chế và kinh phí quản lý hành chính tại cơ quan hành chính",
                        D(1),
                        "self",
                    ),
                    (
                        "6.2.2",
                        "Đánh giá của công chức về tác động của cơ chế tự chủ đến hiệu quả công việc và thu nhập",
                        D(1),
                        "survey",
                    ),
                ],
            },
            {
                "code": "6.3",
                "name": "Đổi mới cơ chế quản lý tài chính đối với đơn vị sự nghiệp công lập",
                "subs": [
                    (
                        "6.3.1",
                        "Thực hiện cơ chế tự chủ tại đơn vị sự nghiệp công lập",
                        D(1),
                        "self",
                    ),
                    (
                        "6.3.2",
                        "Tỷ lệ giảm chi trực tiếp từ ngân sách nhà nước cho đơn vị sự nghiệp công lập",
                        D(1),
                        "self",
                    ),
                ],
            },
            {
                "code": "6.4",
                "name": "Quản lý, sử dụng tài sản công",
                "subs": [
                    (
                        "6.4.1",
                        "Ban hành quy định về quản lý, sử dụng tài sản công thuộc thẩm quyền của tỉnh",
                        D(1),
                        "self",
                    ),
                ],
            },
        ],
    },
    {
        "code": "7",
        "name": "Hiện đại hóa hành chính",
        "max": D(16),
        "focal": "STTTT",
        "criteria": [
            {
                "code": "7.1",
                "name": "Ứng dụng công nghệ thông tin trong hoạt động của cơ quan hành chính",
                "subs": [
                    (
                        "7.1.1",
                        "Ban hành kế hoạch ứng dụng CNTT, phát triển chính quyền điện tử năm",
                        D("0.5"),
                        "self",
                    ),
                    (
                        "7.1.2",
                        "Mức độ hoàn thành kế hoạch ứng dụng CNTT, phát triển chính quyền điện tử",
                        D(1),
                        "self",
                    ),
                    (
                        "7.1.3",
                        "Xây dựng, cập nhật và triển khai Kiến trúc chính quyền điện tử của tỉnh",
                        D(1),
                        "self",
                    ),
                    (
                        "7.1.4",
                        "Tỷ lệ văn bản trao đổi giữa các cơ quan hành chính nhà nước dưới dạng điện tử",
                        D("1.5"),
                        "self",
                    ),
                ],
            },
            {
                "code": "7.2",
                "name": "Cung cấp dịch vụ công trực tuyến",
                "subs": [
                    (
                        "7.2.1",
                        "Tỷ lệ TTHC cung cấp dịch vụ công trực tuyến mức độ 3, 4",
                        D("1.5"),
                        "self",
                    ),
                    (
                        "7.2.2",
                        "Tỷ lệ hồ sơ TTHC được tiếp nhận, giải quyết trực tuyến mức độ 3, 4",
                        D("1.5"),
                        "self",
                    ),
                    (
                        "7.2.3",
                        "Tích hợp, cung cấp dịch vụ công trực tuyến của tỉnh trên Cổng Dịch vụ công quốc gia",
                        D(1),
                        "self",
                    ),
                ],
            },
            {
                "code": "7.3",
                "name": "Hệ thống thông tin một cửa điện tử",
                "subs": [
                    (
                        "7.3.1",
                        "Tỷ lệ hồ sơ TTHC được cập nhật, theo dõi trên Hệ thống thông tin một cửa điện tử",
                        D(1),
                        "self",
                    ),
                ],
            },
            {
                "code": "7.4",
                "name": "Áp dụng ISO 9001 trong hoạt động của cơ quan hành chính",
                "subs": [
                    (
                        "7.4.1",
                        "Tỷ lệ cơ quan chuyên môn thuộc UBND tỉnh công bố Hệ thống quản lý chất lượng phù hợp TCVN ISO 9001:2015",
                        D(1),
                        "self",
                    ),
                    (
                        "7.4.2",
                        "Tỷ lệ UBND cấp xã công bố Hệ thống quản lý chất lượng phù hợp TCVN ISO 9001:2015",
                        D(1),
                        "self",
                    ),
                ],
            },
            {
                "code": "7.5",
                "name": "Đánh giá về hiệu quả hiện đại hóa hành chính",
                "subs": [
                    (
                        "7.5.1",
                        "Đánh giá của người dân, tổ chức về chất lượng dịch vụ công trực tuyến của tỉnh",
                        D(2),
                        "survey",
                    ),
                    (
                        "7.5.2",
                        "Đánh giá của công chức, viên chức về hiệu quả ứng dụng CNTT trong xử lý công việc",
                        D(2),
                        "survey",
                    ),
                ],
            },
            {
                "code": "7.6",
                "name": "Cổng thông tin điện tử của tỉnh",
                "subs": [
                    (
                        "7.6.1",
                        "Mức độ cung cấp thông tin trên Cổng thông tin điện tử của tỉnh theo quy định",
                        D(1),
                        "self",
                    ),
                ],
            },
        ],
    },
    {
        "code": "8",
        "name": "Tác động của cải cách hành chính đến người dân, tổ chức và phát triển kinh tế - xã hội của tỉnh",
        "max": D("15.5"),
        "focal": "SNV",
        "criteria": [
            {
                "code": "8.1",
                "name": "Tác động đến việc tiếp cận thông tin của người dân, tổ chức",
                "subs": [
                    (
                        "8.1.1",
                        "Đánh giá của người dân, tổ chức về việc tiếp cận thông tin chính sách, pháp luật của tỉnh",
                        D(1),
                        "survey",
                    ),
                    (
                        "8.1.2",
                        "Đánh giá của người dân, tổ chức về mức độ đầy đủ, kịp thời của thông tin trên Cổng thông tin điện tử của tỉnh",
                        D(1),
                        "survey",
                    ),
                ],
            },
            {
                "code": "8.2",
                "name": "Tác động đến chất lượng thể chế của tỉnh",
                "subs": [
                    (
                        "8.2.1",
                        "Đánh giá về tính thống nhất, đồng bộ của văn bản QPPL do tỉnh ban hành",
                        D(1),
                        "survey",
                    ),
                    (
                        "8.2.2",
                        "Đánh giá về tính kịp thời, khả thi của chính sách do tỉnh ban hành",
                        D(1),
                        "survey",
                    ),
                ],
            },
            {
                "code": "8.3",
                "name": "Tác động đến chất lượng giải quyết thủ tục hành chính",
                "subs": [
                    (
                        "8.3.1",
                        "Mức độ hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước",
                        D(2),
                        "survey",
                    ),
                    (
                        "8.3.2",
                        "Đánh giá của người dân, tổ chức về thời gian giải quyết TTHC",
                        D("1.5"),
                        "survey",
                    ),
                    (
                        "8.3.3",
                        "Đánh giá của người dân, tổ chức về việc không phải trả chi phí ngoài quy định khi thực hiện TTHC",
                        D("1.5"),
                        "survey",
                    ),
                ],
            },
            {
                "code": "8.4",
                "name": "Tác động đến chất lượng đội ngũ công chức và quản lý tài chính công",
                "subs": [
                    (
                        "8.4.1",
                        "Đánh giá về năng lực, thái độ phục vụ của công chức trực tiếp giải quyết công việc",
                        D("1.5"),
                        "survey",
                    ),
                    (
                        "8.4.2",
                        "Đánh giá về tình trạng công chức gây phiền hà, nhũng nhiễu người dân, tổ chức",
                        D(1),
                        "survey",
                    ),
                    (
                        "8.4.3",
                        "Đánh giá về tính công khai, minh bạch trong quản lý, sử dụng tài chính công",
                        D(1),
                        "survey",
                    ),
                ],
            },
            {
                "code": "8.5",
                "name": "Tác động đến phát triển kinh tế - xã hội của tỉnh",
                "subs": [
                    (
                        "8.5.1",
                        "Đánh giá của người dân, doanh nghiệp về tác động của CCHC đến môi trường đầu tư, kinh doanh",
                        D("1.5"),
                        "survey",
                    ),
                    (
                        "8.5.2",
                        "Đánh giá của người dân, tổ chức về tác động của CCHC đến thực hiện nhiệm vụ phát triển kinh tế - xã hội",
                        D("1.5"),
                        "survey",
                    ),
                ],
            },
        ],
    },
]

# The 47 sub-criteria below max in the 2021 demo:
# code: (self score 2021, appraised score 2021 or None, score 2020).
# For "survey" sub-criteria there is no self-assessment: the first two figures both hold the
# survey result. None means the appraisal of a self-assessed sub-criterion is still pending.
BELOW_MAX_2021 = {
    # 1. Công tác chỉ đạo, điều hành CCHC
    "1.1.2": (D("0.5"), D("0.5"), D(1)),
    "1.3.2": (D("0.75"), D("0.75"), D("0.5")),
    "1.5.2": (D("0.25"), D("0.25"), D("0.25")),
    "1.6.2": (D("0.75"), D("0.75"), D("0.75")),
    # 2. Văn bản quy phạm pháp luật
    "2.1.2": (D("0.75"), D("0.5"), D(1)),
    "2.1.3": (D("1.75"), D("1.75"), D("1.5")),
    "2.3.2": (D("1.25"), D("1.25"), D("1.5")),
    "2.4.3": (D("0.75"), None, D("0.5")),
    # 3. Cải cách thủ tục hành chính
    "3.1.2": (D("0.75"), D("0.5"), D(1)),
    "3.1.3": (D("0.75"), D("0.75"), D("0.75")),
    "3.2.2": (D("0.75"), D("0.75"), D(1)),
    "3.2.3": (D("1.25"), D("1.25"), D("1.25")),
    "3.3.2": (D("0.75"), D("0.75"), D("0.75")),
    "3.3.3": (D("1.25"), D("1.25"), D("1.25")),
    "3.4.1": (D("1.5"), D("1.5"), D(2)),
    "3.6.1": (D("0.5"), None, D("0.5")),
    # 4. Cải cách tổ chức bộ máy hành chính
    "4.2.2": (D("1.25"), D("1.25"), D("1.5")),
    "4.3.2": (D("0.5"), None, D(1)),
    "4.4.1": (D("0.75"), D("0.75"), D("0.75")),
    "4.5.1": (D("0.75"), D("0.75"), D("0.75")),
    # 5. Đội ngũ công chức, viên chức
    "5.1.2": (D("0.75"), D("0.75"), D("0.75")),
    "5.1.3": (D("0.5"), None, D("0.5")),
    "5.2.2": (D("0.75"), D("0.75"), D(1)),
    "5.2.3": (D("0.75"), D("0.75"), D("0.5")),
    "5.4.2": (D("1.25"), D("1.25"), D("1.25")),
    "5.5.2": (D("0.75"), D("0.5"), D(1)),
    "5.6.2": (D("1.25"), D("1.25"), D("1.5")),
    "5.7.1": (D("1.25"), D("1.25"), D(1)),
    # 6. Cải cách tài chính công
    "6.1.1": (D("0.5"), D("0.5"), D(1)),
    "6.2.2": (D("0.75"), D("0.75"), D("0.75")),
    "6.3.2": (D("0.75"), D("0.75"), D("0.5")),
    # 7. Hiện đại hóa hành chính
    "7.1.4": (D("1.25"), D("1.25"), D(1)),
    "7.2.1": (D("1.25"), D("1.25"), D("0.75")),
    "7.2.2": (D("0.75"), D("0.5"), D("0.5")),
    "7.2.3": (D("0.5"), None, D("0.5")),
    "7.4.2": (D("0.75"), D("0.75"), D(1)),
    "7.5.1": (D("1.75"), D("1.75"), D("1.5")),
    "7.5.2": (D("1.75"), D("1.75"), D("1.75")),
    # 8. Tác động của CCHC
    "8.1.1": (D("0.75"), D("0.75"), D("0.75")),
    "8.1.2": (D("0.75"), D("0.75"), D(1)),
    "8.2.1": (D("0.75"), D("0.75"), D("0.75")),
    "8.2.2": (D("0.75"), D("0.75"), D("0.5")),
    "8.3.1": (D("1.75"), D("1.75"), D("1.5")),
    "8.3.2": (D("1.25"), D("1.25"), D("1.25")),
    "8.4.1": (D("1.25"), D("1.25"), D("1.5")),
    "8.4.2": (D("0.75"), D("0.75"), D("0.75")),
    "8.5.1": (D("1.25"), D("1.25"), D("1.25")),
}

# Every sub-criterion not in BELOW_MAX_2021 scored its max in 2021. Those listed here were
# below max in 2020 (code: score 2020); all others were at max in 2020 too.
PREVIOUS_BELOW_MAX_2020 = {
    "1.1.1": D("0.75"),
    "1.4.2": D("0.25"),
    "2.2.2": D("0.75"),
    "2.4.2": D("0.75"),
    "3.2.1": D("0.75"),
    "3.4.2": D(0),
    "3.5.1": D("1.25"),
    "4.1.3": D("0.75"),
    "5.2.1": D("0.75"),
    "5.7.2": D("0.75"),
    "6.1.3": D("0.25"),
    "6.3.1": D("0.75"),
    "7.1.2": D("0.75"),
    "7.3.1": D("0.75"),
    "7.4.1": D("0.75"),
    "8.3.3": D("1.25"),
}

SIPAS_FRAMEWORK = {
    "name": "SIPAS 2021",
    "legal_basis": "2640/QĐ-BNV",
    "description": (
        "Chỉ số hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà "
        "nước năm 2021, đo lường theo phương pháp của Đề án ban hành kèm theo Quyết định số "
        "2640/QĐ-BNV. Gồm 5 yếu tố, mỗi yếu tố tính theo tỷ lệ phần trăm (tối đa 100). "
        "Số liệu là minh họa, không phải kết quả chính thức."
    ),
}

# (code, name, max, score 2021, score 2020), scores in percent.
SIPAS_COMPONENTS = [
    ("1", "Tiếp cận dịch vụ", D(100), D("82.45"), D("80.10")),
    ("2", "Thủ tục hành chính", D(100), D("84.12"), D("81.37")),
    ("3", "Công chức trực tiếp giải quyết công việc", D(100), D("86.78"), D("83.95")),
    ("4", "Kết quả dịch vụ", D(100), D("85.30"), D("82.64")),
    ("5", "Tiếp nhận, giải quyết góp ý, phản ánh, kiến nghị", D(100), D("78.56"), D("76.20")),
]
