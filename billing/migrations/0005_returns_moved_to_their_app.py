# Returns and factory returns moved to their own app (returns/, issue 12 item 4): removed from
# billing's state only; their tables stay, with their data, and returns.0001 takes them over.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0004_return_technician_and_one_proposal'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='factoryreturn',
                    name='approved_by',
                ),
                migrations.RemoveField(
                    model_name='factoryreturn',
                    name='checked_by',
                ),
                migrations.RemoveField(
                    model_name='factoryreturn',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='factoryreturn',
                    name='office',
                ),
                migrations.RemoveField(
                    model_name='factoryreturn',
                    name='signed_by',
                ),
                migrations.RemoveField(
                    model_name='factoryreturn',
                    name='special_approved_by',
                ),
                migrations.RemoveField(
                    model_name='factoryreturnitem',
                    name='factory_return',
                ),
                migrations.RemoveField(
                    model_name='factoryreturnevent',
                    name='factory_return',
                ),
                migrations.RemoveField(
                    model_name='factoryreturnevent',
                    name='by',
                ),
                migrations.RemoveField(
                    model_name='factoryreturnitem',
                    name='decided_by',
                ),
                migrations.RemoveField(
                    model_name='returnevent',
                    name='by',
                ),
                migrations.RemoveField(
                    model_name='returnevent',
                    name='return_request',
                ),
                migrations.RemoveField(
                    model_name='returnrequest',
                    name='accepting_unit',
                ),
                migrations.RemoveField(
                    model_name='returnrequest',
                    name='address',
                ),
                migrations.RemoveField(
                    model_name='returnrequest',
                    name='assessed_by',
                ),
                migrations.RemoveField(
                    model_name='returnrequest',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='returnrequest',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='returnrequest',
                    name='owner',
                ),
                migrations.RemoveField(
                    model_name='returnrequest',
                    name='partner',
                ),
                migrations.RemoveField(
                    model_name='returnrequest',
                    name='product',
                ),
                migrations.RemoveField(
                    model_name='returnrequest',
                    name='rule',
                ),
                migrations.RemoveField(
                    model_name='returnrequest',
                    name='technician',
                ),
                migrations.DeleteModel(
                    name='ReturnWindow',
                ),
                migrations.DeleteModel(
                    name='FactoryReturn',
                ),
                migrations.DeleteModel(
                    name='FactoryReturnEvent',
                ),
                migrations.DeleteModel(
                    name='FactoryReturnItem',
                ),
                migrations.DeleteModel(
                    name='ReturnEvent',
                ),
                migrations.DeleteModel(
                    name='ReturnRule',
                ),
                migrations.DeleteModel(
                    name='ReturnRequest',
                ),
            ],
            database_operations=[],
        ),
    ]
