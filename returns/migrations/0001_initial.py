# The returns models as they were in billing (billing 0001-0004), in this app's state only: the
# tables exist already, with their data (db_table keeps billing's names; billing 0005 let go of them).

import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('billing', '0005_returns_moved_to_their_app'),
        ('accounts', '0004_logistics_role'),
        ('customers', '0001_initial'),
        ('technicians', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='FactoryReturn',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.CharField(blank=True, max_length=24, null=True, unique=True, verbose_name='number')),
                        ('state', django_fsm.FSMField(choices=[('draft', 'Draft'), ('signed', 'Signed'), ('approved', 'Approved'), ('shipped', 'Shipped'), ('arrived', 'Arrived'), ('checked', 'Checked'), ('decided', 'Decided'), ('closed', 'Closed')], default='draft', max_length=10, protected=True, verbose_name='state')),
                        ('month', models.DateField(help_text='The first day of the month it returns in.', verbose_name='month')),
                        ('note', models.TextField(blank=True, verbose_name='note')),
                        ('signed_at', models.DateTimeField(blank=True, null=True, verbose_name='signed at')),
                        ('approved_at', models.DateTimeField(blank=True, null=True, verbose_name='approved at')),
                        ('special_approval', models.TextField(blank=True, help_text='Batch problems or other exceptions: ships outside the window.', verbose_name='special approval')),
                        ('special_approved_at', models.DateTimeField(blank=True, null=True, verbose_name='specially approved at')),
                        ('rolled_over', models.PositiveSmallIntegerField(default=0, verbose_name='times rolled over')),
                        ('shipped_at', models.DateTimeField(blank=True, null=True, verbose_name='shipped at')),
                        ('waybill', models.CharField(blank=True, max_length=60, verbose_name='waybill')),
                        ('arrived_at', models.DateTimeField(blank=True, null=True, verbose_name='arrived at')),
                        ('checked_at', models.DateTimeField(blank=True, null=True, verbose_name='checked at')),
                        ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                        ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='approved by')),
                        ('checked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='checked by')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                        ('office', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='factory_returns', to='accounts.unit', verbose_name='office')),
                        ('signed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='signed by')),
                        ('special_approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='specially approved by')),
                    ],
                    options={
                        'verbose_name': 'factory return',
                        'verbose_name_plural': 'factory returns',
                        'db_table': 'billing_factoryreturn',
                        'ordering': ['-month', 'office__name', '-id'],
                    },
                    bases=(django_fsm.FSMModelMixin, models.Model),
                ),
                migrations.CreateModel(
                    name='FactoryReturnEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(max_length=40, verbose_name='action')),
                        ('from_state', models.CharField(blank=True, max_length=40, verbose_name='from state')),
                        ('to_state', models.CharField(blank=True, max_length=40, verbose_name='to state')),
                        ('at', models.DateTimeField(db_index=True, verbose_name='at')),
                        ('note', models.TextField(blank=True, verbose_name='note')),
                        ('data', models.JSONField(blank=True, default=dict, verbose_name='data')),
                        ('by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                        ('factory_return', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='returns.factoryreturn', verbose_name='factory return')),
                    ],
                    options={
                        'verbose_name': 'factory return history',
                        'verbose_name_plural': 'factory return history',
                        'db_table': 'billing_factoryreturnevent',
                        'ordering': ['at', 'id'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='FactoryReturnItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('line', models.PositiveSmallIntegerField(verbose_name='line')),
                        ('description', models.CharField(max_length=200, verbose_name='goods or part')),
                        ('model', models.CharField(blank=True, max_length=100, verbose_name='model')),
                        ('quantity', models.PositiveIntegerField(verbose_name='quantity declared')),
                        ('reason', models.CharField(max_length=300, verbose_name='reason')),
                        ('counted_quantity', models.PositiveIntegerField(blank=True, null=True, verbose_name='quantity counted')),
                        ('condition', models.CharField(blank=True, max_length=300, verbose_name='condition')),
                        ('difference', models.IntegerField(blank=True, help_text="Counted minus declared; logistics' count prevails.", null=True, verbose_name='difference')),
                        ('decision', models.CharField(blank=True, choices=[('exchange', 'Exchange'), ('credit', 'Credit'), ('rejected', 'Rejected')], max_length=10, verbose_name='decision')),
                        ('decision_reason', models.CharField(blank=True, max_length=300, verbose_name='reason for the decision')),
                        ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                        ('factory_return', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='returns.factoryreturn', verbose_name='factory return')),
                    ],
                    options={
                        'verbose_name': 'factory return item',
                        'verbose_name_plural': 'factory return items',
                        'db_table': 'billing_factoryreturnitem',
                        'ordering': ['factory_return', 'line'],
                    },
                ),
                migrations.CreateModel(
                    name='ReturnRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.CharField(blank=True, max_length=24, null=True, unique=True, verbose_name='number')),
                        ('state', django_fsm.FSMField(choices=[('requested', 'Requested'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('fulfilled', 'Fulfilled'), ('closed', 'Closed')], default='requested', max_length=12, protected=True, verbose_name='state')),
                        ('requested_by', models.CharField(choices=[('consumer', 'Consumer'), ('dealer', 'Dealer')], max_length=10, verbose_name='requested by')),
                        ('reason', models.TextField(verbose_name='reason given')),
                        ('requested_at', models.DateTimeField(verbose_name='requested at')),
                        ('batch', models.BooleanField(default=False, verbose_name='batch-quality dispute')),
                        ('batch_code', models.CharField(blank=True, max_length=60, verbose_name='batch code')),
                        ('quantity', models.PositiveIntegerField(default=1, verbose_name='quantity')),
                        ('findings', models.JSONField(blank=True, default=dict, verbose_name='findings')),
                        ('decision', models.CharField(blank=True, choices=[('exchange', 'Exchange'), ('refund', 'Refund'), ('repair', 'Depot repair'), ('rejected', 'Rejected')], max_length=10, verbose_name='decision')),
                        ('decision_reason', models.TextField(blank=True, verbose_name='reason told (English)')),
                        ('decision_reason_zh', models.TextField(blank=True, verbose_name='reason told (Chinese)')),
                        ('assessed_at', models.DateTimeField(blank=True, null=True, verbose_name='assessed at')),
                        ('transport_paid_by', models.CharField(blank=True, choices=[('company', 'The company'), ('dealer', 'The dealer')], max_length=10, verbose_name='transport paid by')),
                        ('proposed_decision', models.CharField(blank=True, choices=[('exchange', 'Exchange'), ('refund', 'Refund'), ('repair', 'Depot repair'), ('rejected', 'Rejected')], max_length=10, verbose_name='proposed decision')),
                        ('proposed_reason', models.TextField(blank=True, verbose_name='why it is proposed')),
                        ('proposed_at', models.DateTimeField(blank=True, null=True, verbose_name='proposed at')),
                        ('fulfil_note', models.TextField(blank=True, verbose_name='fulfilment note')),
                        ('fulfilled_at', models.DateTimeField(blank=True, null=True, verbose_name='fulfilled at')),
                        ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('accepting_unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.unit', verbose_name='accepting unit')),
                        ('address', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='customers.address', verbose_name='address')),
                        ('assessed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='assessed by')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='received by')),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='returns', to='customers.customer', verbose_name='customer')),
                        ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
                        ('partner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='returns', to='accounts.partner', verbose_name='partner')),
                        ('product', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='returns', to='customers.customerproduct', verbose_name='product')),
                        ('technician', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='returns', to='technicians.technician', verbose_name='technician sent on site')),
                    ],
                    options={
                        'verbose_name': 'return',
                        'verbose_name_plural': 'returns',
                        'db_table': 'billing_returnrequest',
                        'ordering': ['-requested_at', '-id'],
                    },
                    bases=(django_fsm.FSMModelMixin, models.Model),
                ),
                migrations.CreateModel(
                    name='ReturnEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(max_length=40, verbose_name='action')),
                        ('from_state', models.CharField(blank=True, max_length=40, verbose_name='from state')),
                        ('to_state', models.CharField(blank=True, max_length=40, verbose_name='to state')),
                        ('at', models.DateTimeField(db_index=True, verbose_name='at')),
                        ('note', models.TextField(blank=True, verbose_name='note')),
                        ('data', models.JSONField(blank=True, default=dict, verbose_name='data')),
                        ('by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                        ('return_request', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='returns.returnrequest', verbose_name='return')),
                    ],
                    options={
                        'verbose_name': 'return history',
                        'verbose_name_plural': 'return history',
                        'db_table': 'billing_returnevent',
                        'ordering': ['at', 'id'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='ReturnRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('category', models.SlugField(blank=True, help_text='Product category slug; blank for the rules of every category.', verbose_name='category')),
                        ('requested_by', models.CharField(blank=True, choices=[('consumer', 'Consumer'), ('dealer', 'Dealer')], help_text='Blank: consumers and dealers.', max_length=10, verbose_name='requested by')),
                        ('order', models.PositiveSmallIntegerField(default=100, verbose_name='order')),
                        ('kind', models.CharField(choices=[('finding', 'A finding has this value'), ('proof', 'The date the term counts from is missing (no proof)'), ('term', 'Within the term'), ('otherwise', 'Otherwise')], max_length=10, verbose_name='condition')),
                        ('finding', models.SlugField(blank=True, max_length=40, verbose_name='finding')),
                        ('expected', models.BooleanField(default=True, verbose_name='finding value')),
                        ('finding_required', models.BooleanField(default=True, help_text='A required finding must be given at assessment (400 without it); an optional one counts as false.', verbose_name='finding required')),
                        ('finding_label', models.CharField(blank=True, max_length=100, verbose_name='finding label (English)')),
                        ('finding_label_zh', models.CharField(blank=True, max_length=100, verbose_name='finding label (Chinese)')),
                        ('term_months', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='term in months')),
                        ('counted_from', models.CharField(blank=True, choices=[('purchase', 'Purchase date'), ('manufacture', 'Manufacture date')], max_length=12, verbose_name='counted from')),
                        ('decision', models.CharField(choices=[('exchange', 'Exchange'), ('refund', 'Refund'), ('repair', 'Depot repair'), ('rejected', 'Rejected')], max_length=10, verbose_name='decision')),
                        ('reason', models.CharField(max_length=300, verbose_name='reason (English)')),
                        ('reason_zh', models.CharField(blank=True, max_length=300, verbose_name='reason (Chinese)')),
                        ('source', models.CharField(blank=True, max_length=200, verbose_name='source')),
                        ('active', models.BooleanField(default=True, verbose_name='active')),
                    ],
                    options={
                        'verbose_name': 'return rule',
                        'verbose_name_plural': 'return rules',
                        'db_table': 'billing_returnrule',
                        'ordering': ['category', 'order', 'id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('kind', 'finding'), _negated=True), models.Q(('finding', ''), _negated=True), _connector='OR'), name='return_rule_finding_named'), models.CheckConstraint(condition=models.Q(models.Q(('kind', 'term'), _negated=True), models.Q(('term_months__isnull', False), models.Q(('counted_from', ''), _negated=True)), _connector='OR'), name='return_rule_term_complete'), models.CheckConstraint(condition=models.Q(models.Q(('kind', 'proof'), _negated=True), models.Q(('counted_from', ''), _negated=True), _connector='OR'), name='return_rule_proof_date')],
                    },
                ),
                migrations.AddField(
                    model_name='returnrequest',
                    name='rule',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='returns.returnrule', verbose_name='rule applied'),
                ),
                migrations.CreateModel(
                    name='ReturnWindow',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('place', models.CharField(help_text="Chinese name without 省/市 (北京, 福州); matched against the office's province, then its city.", max_length=50, unique=True, verbose_name='province or city')),
                        ('place_en', models.CharField(blank=True, max_length=50, verbose_name='name in English')),
                        ('week', models.PositiveSmallIntegerField(help_text='Week N is days 7(N-1)+1 to 7N.', verbose_name='week of the month')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                    ],
                    options={
                        'verbose_name': 'return-to-factory window',
                        'verbose_name_plural': 'return-to-factory windows',
                        'db_table': 'billing_returnwindow',
                        'ordering': ['week', 'place'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('week__gte', 1), ('week__lte', 4)), name='return_window_week_1_to_4')],
                    },
                ),
                migrations.AddIndex(
                    model_name='factoryreturn',
                    index=models.Index(fields=['office', '-month'], name='factory_return_office_month'),
                ),
                migrations.AddConstraint(
                    model_name='factoryreturn',
                    constraint=models.CheckConstraint(condition=models.Q(('month__day', 1)), name='factory_return_month_first_day'),
                ),
                migrations.AddIndex(
                    model_name='factoryreturnevent',
                    index=models.Index(fields=['factory_return', 'at'], name='factory_return_event_at'),
                ),
                migrations.AddConstraint(
                    model_name='factoryreturnitem',
                    constraint=models.UniqueConstraint(fields=('factory_return', 'line'), name='factory_return_item_line_unique'),
                ),
                migrations.AddConstraint(
                    model_name='factoryreturnitem',
                    constraint=models.CheckConstraint(condition=models.Q(('quantity__gte', 1)), name='factory_return_item_quantity_positive'),
                ),
                migrations.AddConstraint(
                    model_name='factoryreturnitem',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('decision', 'rejected'), _negated=True), models.Q(('decision_reason', ''), _negated=True), _connector='OR'), name='factory_return_item_rejection_has_reason'),
                ),
                migrations.AddIndex(
                    model_name='returnevent',
                    index=models.Index(fields=['return_request', 'at'], name='return_event_at'),
                ),
                migrations.AddConstraint(
                    model_name='returnevent',
                    constraint=models.UniqueConstraint(condition=models.Q(('action', 'propose-exchange')), fields=('return_request',), name='return_event_one_exchange_proposal'),
                ),
                migrations.AddIndex(
                    model_name='returnrequest',
                    index=models.Index(fields=['state', '-requested_at'], name='return_state'),
                ),
                migrations.AddIndex(
                    model_name='returnrequest',
                    index=models.Index(fields=['partner', '-requested_at'], name='return_partner'),
                ),
                migrations.AddIndex(
                    model_name='returnrequest',
                    index=models.Index(fields=['technician', '-requested_at'], name='return_technician'),
                ),
                migrations.AddIndex(
                    model_name='returnrequest',
                    index=models.Index(condition=models.Q(('decision', 'repair'), ('proposed_decision', ''), ('state', 'approved')), fields=['id'], name='return_repair_unproposed'),
                ),
                migrations.AddConstraint(
                    model_name='returnrequest',
                    constraint=models.CheckConstraint(condition=models.Q(('quantity__gte', 1)), name='return_quantity_positive'),
                ),
                migrations.AddConstraint(
                    model_name='returnrequest',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('state', 'approved'), _negated=True), models.Q(models.Q(('decision', ''), _negated=True), models.Q(('decision', 'rejected'), _negated=True)), _connector='OR'), name='return_approved_has_decision'),
                ),
            ],
            database_operations=[],
        ),
    ]
