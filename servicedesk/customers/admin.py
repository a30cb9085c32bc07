from django.contrib import admin

from .models import Address, Customer, CustomerPhone, CustomerProduct, ProductCategory


class PhoneInline(admin.TabularInline):
    model = CustomerPhone
    extra = 0


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0


class ProductInline(admin.TabularInline):
    model = CustomerProduct
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "vip", "created_at")
    list_filter = ("vip",)
    search_fields = ("name", "phones__number")
    inlines = [PhoneInline, AddressInline, ProductInline]


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "active")
    list_filter = ("active",)
