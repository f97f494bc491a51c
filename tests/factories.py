"""factory_boy factories for the domain model."""

import datetime as dt
from decimal import Decimal

import factory

from agencies.models import Agency, AgencyKind, Membership, MembershipRole, User
from parindex.models import Criterion, Cycle, Framework, FrameworkKind, Level, Score
from remediation.models import AgencyReport, Task


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"agency-{n}")
    name = factory.Sequence(lambda n: f"UBND huyện Thử nghiệm {n}")
    kind = AgencyKind.DISTRICT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Người dùng {n}")
    password = factory.django.Password("demo-2021")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = MembershipRole.STAFF


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework

    name = factory.Sequence(lambda n: f"PAR Index thử {n}")
    kind = FrameworkKind.PAR
    legal_basis = "1149/QĐ-BNV"


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    framework = factory.SubFactory(FrameworkFactory)
    level = Level.SUB
    code = factory.Sequence(lambda n: f"1.1.{n + 1}")
    name = factory.Sequence(lambda n: f"Tiêu chí thành phần {n}")
    max_points = Decimal("1")
    order = factory.Sequence(lambda n: n)


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cycle
        django_get_or_create = ("year",)

    year = 2021
    name = factory.LazyAttribute(lambda o: f"Kỳ đánh giá {o.year}")
    report_deadline = dt.date(2021, 11, 15)
    task_completion_target = dt.date(2021, 12, 31)
    self_assessment_date = dt.date(2022, 2, 28)
    reference_date = dt.date(2021, 11, 15)
    # The document settings without which the consolidated report is not issued (issue_blockers).
    report_number = "/BC-SNV"
    signer_name = "Trần Thị Bình"
    instruction_reference = "Công văn số 100/UBND-KSTT ngày 20/10/2021 của Chủ tịch Ủy ban nhân dân tỉnh"
    basis_reference = "Báo cáo số 117/BC-SNV ngày 07/10/2021 của Sở Nội vụ"


class ScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Score

    cycle = factory.SubFactory(CycleFactory)
    criterion = factory.SubFactory(CriterionFactory)
    max_points = factory.LazyAttribute(lambda o: o.criterion.max_points)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    cycle = factory.SubFactory(CycleFactory)
    title = factory.Sequence(lambda n: f"Nhiệm vụ khắc phục {n}")
    lead_agency = factory.SubFactory(AgencyFactory)
    deadline = dt.date(2021, 12, 31)


class AgencyReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyReport

    cycle = factory.SubFactory(CycleFactory)
    agency = factory.SubFactory(AgencyFactory)
