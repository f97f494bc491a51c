"""The addressees of the 2021 letter, as demo data: code, name, short name.

Codes double as the demo staff usernames (password demo-2021).
"""

DISTRICTS = [
    ("quynhon", "UBND thành phố Quy Nhơn", "TP Quy Nhơn"),
    ("annhon", "UBND thị xã An Nhơn", "TX An Nhơn"),
    ("hoainhon", "UBND thị xã Hoài Nhơn", "TX Hoài Nhơn"),
    ("anlao", "UBND huyện An Lão", "H. An Lão"),
    ("hoaian", "UBND huyện Hoài Ân", "H. Hoài Ân"),
    ("phumy", "UBND huyện Phù Mỹ", "H. Phù Mỹ"),
    ("phucat", "UBND huyện Phù Cát", "H. Phù Cát"),
    ("tayson", "UBND huyện Tây Sơn", "H. Tây Sơn"),
    ("tuyphuoc", "UBND huyện Tuy Phước", "H. Tuy Phước"),
    ("vancanh", "UBND huyện Vân Canh", "H. Vân Canh"),
    ("vinhthanh", "UBND huyện Vĩnh Thạnh", "H. Vĩnh Thạnh"),
]

DEPARTMENTS = [
    ("vp-ubnd", "Văn phòng UBND tỉnh", "VP UBND tỉnh"),
    ("snv", "Sở Nội vụ", "Sở Nội vụ"),
    ("stp", "Sở Tư pháp", "Sở Tư pháp"),
    ("skhdt", "Sở Kế hoạch và Đầu tư", "Sở KH&ĐT"),
    ("stc", "Sở Tài chính", "Sở Tài chính"),
    ("sct", "Sở Công Thương", "Sở Công Thương"),
    ("snnptnt", "Sở Nông nghiệp và Phát triển nông thôn", "Sở NN&PTNT"),
    ("sgtvt", "Sở Giao thông vận tải", "Sở GTVT"),
    ("sxd", "Sở Xây dựng", "Sở Xây dựng"),
    ("stnmt", "Sở Tài nguyên và Môi trường", "Sở TN&MT"),
    ("stttt", "Sở Thông tin và Truyền thông", "Sở TT&TT"),
    ("sldtbxh", "Sở Lao động - Thương binh và Xã hội", "Sở LĐ-TB&XH"),
    ("svhtt", "Sở Văn hóa và Thể thao", "Sở VH&TT"),
    ("sdl", "Sở Du lịch", "Sở Du lịch"),
    ("skhcn", "Sở Khoa học và Công nghệ", "Sở KH&CN"),
    ("sgddt", "Sở Giáo dục và Đào tạo", "Sở GD&ĐT"),
    ("syt", "Sở Y tế", "Sở Y tế"),
    ("sngv", "Sở Ngoại vụ", "Sở Ngoại vụ"),
    ("ttt", "Thanh tra tỉnh", "Thanh tra tỉnh"),
    ("bdt", "Ban Dân tộc", "Ban Dân tộc"),
    ("bqlkkt", "Ban Quản lý Khu kinh tế", "BQL Khu kinh tế"),
]

CENTRAL = [
    ("ca", "Công an tỉnh", "Công an tỉnh"),
    ("cthue", "Cục Thuế tỉnh", "Cục Thuế"),
    ("kbnn", "Kho bạc Nhà nước tỉnh", "KBNN tỉnh"),
    ("bhxh", "Bảo hiểm xã hội tỉnh", "BHXH tỉnh"),
    ("chq", "Cục Hải quan tỉnh", "Cục Hải quan"),
    ("ctk", "Cục Thống kê tỉnh", "Cục Thống kê"),
    ("nhnn", "Ngân hàng Nhà nước Chi nhánh tỉnh", "NHNN Chi nhánh"),
]

# (code, name, parent district code): the commune level receives copies of the letter.
COMMUNES = [
    ("qn-lythuongkiet", "UBND phường Lý Thường Kiệt", "quynhon"),
    ("qn-tranphu", "UBND phường Trần Phú", "quynhon"),
    ("qn-nhonbinh", "UBND phường Nhơn Bình", "quynhon"),
    ("qn-ghenhrang", "UBND phường Ghềnh Ráng", "quynhon"),
    ("qn-nhonly", "UBND xã Nhơn Lý", "quynhon"),
    ("an-binhdinh", "UBND phường Bình Định", "annhon"),
    ("an-dapda", "UBND phường Đập Đá", "annhon"),
    ("an-nhonhau", "UBND xã Nhơn Hậu", "annhon"),
    ("hn-bongson", "UBND phường Bồng Sơn", "hoainhon"),
    ("hn-tamquan", "UBND phường Tam Quan", "hoainhon"),
    ("ts-phuphong", "UBND thị trấn Phú Phong", "tayson"),
    ("pc-ngomay", "UBND thị trấn Ngô Mây", "phucat"),
    ("pm-phumy", "UBND thị trấn Phù Mỹ", "phumy"),
    ("tp-tuyphuoc", "UBND thị trấn Tuy Phước", "tuyphuoc"),
]
